package io.skein.server;

import io.skein.broker.BrokerServer;
import io.skein.node.Listener;
import io.skein.node.NodeConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Binds every port a node is about to serve on, for a moment, before any part starts: a port another
 * process holds then fails the node in one line naming the port and the key that set it, where it
 * would otherwise fail halfway through the start (and the metadata quorum's Raft server, Ratis, ends
 * the JVM when its port is taken). Port 0, any free port, is not checked. A port taken between this
 * check and the part's own bind still fails that part, as before.
 */
final class PortCheck {
    /** A port the node serves on, with what sets it, and which keys to change for another. */
    private record Port(String host, int port, String setBy, String keys) {
    }

    private PortCheck() {
    }

    /** @throws IOException "port 9092 is in use (listeners: PLAINTEXT://127.0.0.1:9092): ..." for the first port taken */
    static void ensureFree(NodeConfig config) throws IOException {
        List<ServerSocket> bound = new ArrayList<>();
        List<Port> checked = new ArrayList<>();
        try {
            for (Port port : ports(config)) {
                ServerSocket socket = new ServerSocket();
                try {
                    socket.bind(port.host().isEmpty() ? new InetSocketAddress(port.port())
                            : new InetSocketAddress(port.host(), port.port()));
                } catch (IOException e) {
                    socket.close();
                    throw refusal(port, checked, e);
                }
                bound.add(socket);
                checked.add(port);
            }
        } finally {
            for (ServerSocket socket : bound) {
                socket.close();
            }
        }
    }

    private static List<Port> ports(NodeConfig config) {
        List<Port> ports = new ArrayList<>();
        if (config.hasRole(NodeConfig.Role.CONTROLLER)) {
            Listener controller = config.controllerListener().orElseThrow();
            String keys = NodeConfig.LISTENERS + " and " + NodeConfig.CONTROLLER_QUORUM_VOTERS;
            ports.add(new Port(controller.host(), controller.port(), NodeConfig.LISTENERS + ": " + controller
                    + ", the metadata quorum's port", keys));
            ports.add(new Port(controller.host(), controller.port() + BrokerServer.CONTROLLER_SERVICE_PORT_OFFSET,
                    NodeConfig.LISTENERS + ": " + controller + ", whose next port serves the controller service", keys));
        }
        if (config.hasRole(NodeConfig.Role.BROKER)) {
            config.clientListeners().forEach(listener -> ports.add(new Port(listener.host(), listener.port(),
                    NodeConfig.LISTENERS + ": " + listener, NodeConfig.LISTENERS)));
            ports.add(own(config, NodeConfig.ADMIN_LISTENER, config.adminListener()));
        }
        ports.add(own(config, NodeConfig.HTTP_LISTENER, config.httpListener()));
        ports.removeIf(port -> port.port() == 0);
        return ports;
    }

    /** One of Skein's own listeners, named as its key's value says it. */
    private static Port own(NodeConfig config, String key, Listener listener) {
        return new Port(listener.host(), listener.port(), key + ": " + config.get(key), key);
    }

    private static IOException refusal(Port port, List<Port> checked, IOException cause) {
        Optional<Port> twin = checked.stream().filter(other -> other.port() == port.port()).findFirst();
        if (twin.isPresent()) {
            return new IOException("port " + port.port() + " is set twice (" + twin.get().setBy() + "; "
                    + port.setBy() + "): give each its own port");
        }
        if (cause instanceof BindException && String.valueOf(cause.getMessage()).contains("in use")) {
            return new IOException("port " + port.port() + " is in use (" + port.setBy() + "): stop what listens "
                    + "there, or choose another port in " + port.keys());
        }
        return new IOException("cannot listen on " + (port.host().isEmpty() ? "" : port.host()) + ":" + port.port()
                + " (" + port.setBy() + "): " + cause.getMessage());
    }
}
