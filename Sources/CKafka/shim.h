#ifndef MDCA_CKAFKA_SHIM_H
#define MDCA_CKAFKA_SHIM_H

// librdkafka (Debian: librdkafka-dev, pkg-config rdkafka). The producer, consumer and
// configuration calls are plain C functions Swift imports directly; the wrappers below stand
// in for what Swift cannot import: the cast macros RD_KAFKA_PARTITION_UA and
// RD_KAFKA_OFFSET_BEGINNING, and the flag combination the producer always uses.
#include <librdkafka/rdkafka.h>
// The in-process mock cluster (real loopback sockets), for tests and `make bench`.
#include <librdkafka/rdkafka_mock.h>

// rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_BLOCK, payload, len, key,
// keylen, msg_opaque): the partitioner picks the partition from the key; the payload is read
// in place (no RD_KAFKA_MSG_F_COPY: the caller keeps it alive until the message's delivery
// report; the key is always copied); a full local queue blocks the caller (a dedicated
// thread) until delivery reports make room.
static inline int mdca_kafka_produce(rd_kafka_topic_t *rkt, const void *payload, size_t len,
                                     const void *key, size_t keylen, void *msg_opaque) {
    return rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_BLOCK,
                            (void *)payload, len, key, keylen, msg_opaque);
}

// RD_KAFKA_OFFSET_BEGINNING: where a test consumer starts reading a partition.
static inline int64_t mdca_kafka_offset_beginning(void) {
    return RD_KAFKA_OFFSET_BEGINNING;
}

#endif
