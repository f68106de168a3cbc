package io.skein.broker.util;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Helpers for the futures request handling is built on. */
public final class Futures {
    private Futures() {
    }

    /** The failure a future's wrapper exception stands for: what the failed step threw. */
    public static Throwable cause(Throwable error) {
        return (error instanceof CompletionException || error instanceof ExecutionException) && error.getCause() != null
                ? error.getCause() : error;
    }
}
