package io.skein.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigsResult;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

/**
 * kafka-clients 3.9's {@code Admin.alterConfigs} (legacy AlterConfigs, which Kafka 4 removed from the
 * client), run in a child JVM with that release: args are the bootstrap, a topic, and the
 * {@code key=value} set to replace the topic's configs with. A set that fails prints the error's class
 * and message and exits 2. Called by reflection, as the project compiles against a client without it.
 */
public final class LegacyAlterConfigs {
    private LegacyAlterConfigs() {
    }

    public static void main(String[] args) throws Exception {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, args[1]);
        List<ConfigEntry> entries = List.of(args).subList(2, args.length).stream()
                .map(config -> new ConfigEntry(config.split("=")[0], config.split("=")[1])).toList();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]))) {
            Method alterConfigs = Admin.class.getMethod("alterConfigs", Map.class);
            AlterConfigsResult result = (AlterConfigsResult) alterConfigs.invoke(admin, Map.of(topic, new Config(entries)));
            result.all().get();
            System.out.println("REPLACED");
        } catch (ExecutionException | InvocationTargetException e) {
            System.out.println("FAILED " + e.getCause().getClass().getName() + ": " + e.getCause().getMessage());
            System.exit(2);
        }
    }
}
