package io.skein.metadata.util;

import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;

/**
 * What a retry loop says about a peer it keeps failing to reach: each kind of failure once at INFO
 * (its repeats at DEBUG) until a success, which is said once at INFO. A peer that is down for a
 * minute is then a line or two, not one a retry, and a loop whose attempts alternate between kinds
 * (two controllers failing differently) says each once. For one loop's thread only.
 */
public final class RetryLog {
    /** Kinds said per run of failures at most: what a retry loop meets is a handful; the rest is noise. */
    private static final int MOST_KINDS = 8;

    private final Logger log;
    /** The kinds of the failures said since the last success. */
    private final Set<String> said = new HashSet<>();
    private boolean failing;

    public RetryLog(Logger log) {
        this.log = log;
    }

    /**
     * A failure of {@code kind}; {@code message} and {@code args} as slf4j takes them. A kind is what
     * tells two failures apart for a reader, without what changes at each retry (times, counts).
     */
    public void failed(String kind, String message, Object... args) {
        failing = true;
        if (said.size() < MOST_KINDS && said.add(kind)) {
            log.info(message, args);
        } else {
            log.debug(message, args);
        }
    }

    /** A success: said, with {@code message} and {@code args}, only if failures came before it. */
    public void succeeded(String message, Object... args) {
        if (failing) {
            failing = false;
            said.clear();
            log.info(message, args);
        }
    }
}
