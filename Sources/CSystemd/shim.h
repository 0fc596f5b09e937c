#ifndef MDCA_CSYSTEMD_SHIM_H
#define MDCA_CSYSTEMD_SHIM_H

// No wrapper functions are needed: the Systemd module calls only the non-variadic entry points.
//   - sd_notify (not variadic) with a preformatted string stands in for sd_notifyf (variadic).
//   - sd_journal_sendv (iovecs, binary-safe) stands in for sd_journal_send (variadic).
//   - sd_watchdog_enabled is not variadic.
// The journald handler sends CODE_FILE/CODE_LINE/CODE_FUNC itself (the Swift call site's, not
// this header's), so the location-adding sd_journal_sendv macro is suppressed.
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#endif
