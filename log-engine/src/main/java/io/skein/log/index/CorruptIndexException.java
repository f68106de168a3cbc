package io.skein.log.index;

import java.io.IOException;

/** An index file whose entries cannot be trusted; the log rebuilds it from its segment. */
public class CorruptIndexException extends IOException {
    public CorruptIndexException(String message) {
        super(message);
    }
}
