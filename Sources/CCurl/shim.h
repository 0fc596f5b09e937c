#ifndef MDCA_CCURL_SHIM_H
#define MDCA_CCURL_SHIM_H
#include <curl/curl.h>

// Swift cannot call C variadic functions. Each wrapper below fixes the type of the variadic
// argument of one libcurl call; the Swift module `Curl` is the only caller.

// curl_easy_setopt(handle, option, long): flags, timeouts, limits.
static inline CURLcode mdca_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

// curl_easy_setopt(handle, option, pointer): strings (curl copies them), slists, userdata.
static inline CURLcode mdca_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

// curl_easy_setopt(handle, option, curl_off_t): the *_LARGE sizes.
static inline CURLcode mdca_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

// curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION or CURLOPT_HEADERFUNCTION, callback).
static inline CURLcode mdca_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback).
static inline CURLcode mdca_easy_setopt_xferinfo_callback(CURL *handle, CURLoption option, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// curl_easy_getinfo(handle, info, long *): e.g. CURLINFO_RESPONSE_CODE.
static inline CURLcode mdca_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

// curl_easy_getinfo(handle, info, char **): e.g. CURLINFO_EFFECTIVE_URL.
static inline CURLcode mdca_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

// curl_easy_getinfo(handle, info, curl_socket_t *): CURLINFO_ACTIVESOCKET.
static inline CURLcode mdca_easy_getinfo_socket(CURL *handle, CURLINFO info, curl_socket_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
