package io.skein.metadata.quorum;

import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/** A controller that votes in the metadata quorum: its node id and its Ratis (quorum) address. */
public record Voter(int id, String host, int port) {
    /** Parses Kafka's {@code controller.quorum.voters} element form, {@code id@host:port}. */
    public static Voter parse(String spec) {
        int at = spec.indexOf('@');
        int colon = spec.lastIndexOf(':');
        if (at <= 0 || colon < at + 2 || colon == spec.length() - 1) {
            throw new IllegalArgumentException("A voter is id@host:port, not \"" + spec + "\"");
        }
        try {
            return new Voter(Integer.parseInt(spec.substring(0, at)), spec.substring(at + 1, colon),
                    Integer.parseInt(spec.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("A voter is id@host:port, not \"" + spec + "\"", e);
        }
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(Integer.toString(nodeId));
    }

    static int nodeId(RaftPeerId peerId) {
        return Integer.parseInt(peerId.toString());
    }

    RaftPeer toPeer() {
        return RaftPeer.newBuilder().setId(peerId(id)).setAddress(host + ":" + port).build();
    }

    @Override
    public String toString() {
        return id + "@" + host + ":" + port;
    }
}
