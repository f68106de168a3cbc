package io.skein.chaos.checker;

import io.skein.chaos.history.Op.Type;

/**
 * One value's write as the history tells it, whichever operation made it (a send, a transaction's send),
 * and what its producer learnt of its fate.
 *
 * @param invokedAt the index of the invocation that sent it: with {@code inTxn}, the order its producer sent it
 * @param inTxn     its place among its transaction's sends; 0 for a send of its own
 * @param completed the index of the operation's completion: one per transaction
 * @param offset    where it was acknowledged; null if it never was (or the answer was lost)
 * @param outcome   ok: acknowledged or committed; fail: certainly not written (an aborted transaction);
 *                  info: unknown
 */
record Written(String process, long invokedAt, int inTxn, long completed, int partition, String value, Long offset,
               Type outcome) {
}
