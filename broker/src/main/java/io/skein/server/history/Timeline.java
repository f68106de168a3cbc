package io.skein.server.history;

import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import io.skein.server.history.TimelineEvent.Type;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The cluster's leader elections, ISR changes and broker registrations and fencings, as this broker
 * applies them from the metadata log: a publisher on its metadata loader, so it sees each change
 * once, in log order, where the broker's image changes. Every broker applies the whole log, so each
 * has the whole timeline since it started; a whole image (a snapshot, or the first one a new
 * publisher gets) is a starting point, not a list of changes. Keeps the last {@link #CAPACITY}.
 *
 * <p>The metadata records state facts, not causes; the reason given is read from the same delta and
 * image: the old leader's broker fenced, shut down or restarted in the same change, a new leader
 * that is the preferred replica or was not in the ISR, replicas that left or rejoined the ISR.
 */
final class Timeline implements MetadataPublisher {
    /** About 200 bytes each: 200 KB. */
    static final int CAPACITY = 1_000;

    private final Clock clock;
    private final ArrayDeque<TimelineEvent> events = new ArrayDeque<>(CAPACITY);

    Timeline(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        MetadataImage before = delta.image();
        if (before == MetadataImage.EMPTY) {
            return;
        }
        long now = clock.millis();
        long offset = newImage.offset();
        List<TimelineEvent> found = new ArrayList<>();
        delta.changedBrokers().forEach((id, broker) -> brokerEvent(before.broker(id), broker, delta, now, offset)
                .ifPresent(found::add));
        delta.changedTopics().forEach((topicId, topic) -> {
            TopicImage old = before.topic(topicId);
            if (old == null) {
                return; // a new topic's partitions are placed, not elected
            }
            topic.changedPartitions().forEach((partition, after) -> {
                PartitionRegistration was = old.partition(partition);
                if (was != null) {
                    partitionEvent(topic.name(), partition, was, after, before, newImage, now, offset)
                            .ifPresent(found::add);
                }
            });
        });
        synchronized (events) {
            for (TimelineEvent event : found) {
                if (events.size() == CAPACITY) {
                    events.removeFirst();
                }
                events.addLast(event);
            }
        }
    }

    /** The events kept that {@code wanted} accepts, newest first. */
    List<TimelineEvent> events(Predicate<TimelineEvent> wanted) {
        List<TimelineEvent> found = new ArrayList<>();
        synchronized (events) {
            events.descendingIterator().forEachRemaining(e -> {
                if (wanted.test(e)) {
                    found.add(e);
                }
            });
        }
        return found;
    }

    private static Optional<TimelineEvent> brokerEvent(BrokerRegistration was, BrokerRegistration now,
                                                       MetadataDelta delta, long time, long offset) {
        if (now == null) {
            return Optional.empty(); // unregistered: not written by the controller today
        }
        if (was == null || was.epoch() != now.epoch()) {
            return Optional.of(TimelineEvent.broker(time, offset, Type.BROKER_REGISTERED, now.id(),
                    was == null ? "first registration" : "registered again (a restart), epoch " + now.epoch()));
        }
        if (was.fenced() && !now.fenced()) {
            return Optional.of(TimelineEvent.broker(time, offset, Type.BROKER_UNFENCED, now.id(),
                    "caught up with the metadata log"));
        }
        if (!was.fenced() && now.fenced()) {
            return Optional.of(TimelineEvent.broker(time, offset, Type.BROKER_FENCED, now.id(),
                    now.shuttingDown() ? "controlled shutdown" : foundGone(delta, now.id())
                            ? "its process is gone: its connection to the controller closed and its listeners refuse "
                            + "connections" : "no heartbeat within broker.session.timeout.ms"));
        }
        return Optional.empty();
    }

    /** Whether {@code delta} fences broker {@code id} as a process found gone, before its session timed out. */
    private static boolean foundGone(MetadataDelta delta, int id) {
        return delta.records().stream().anyMatch(record -> record.hasFenceBroker()
                && record.getFenceBroker().getBrokerId() == id && record.getFenceBroker().getProcessGone());
    }

    private static Optional<TimelineEvent> partitionEvent(String topic, int partition,
                                                                    PartitionRegistration was,
                                                                    PartitionRegistration now, MetadataImage before,
                                                                    MetadataImage after, long time, long offset) {
        boolean leaderChanged = was.leader() != now.leader();
        if (!leaderChanged && Set.copyOf(was.isr()).equals(Set.copyOf(now.isr()))) {
            return Optional.empty(); // an epoch bump, such as a reassignment's first step
        }
        Type type = leaderChanged ? Type.LEADER_ELECTED : Type.ISR_CHANGED;
        String reason = leaderChanged ? leaderReason(was, now, before, after) : isrReason(was, now, before, after);
        return Optional.of(TimelineEvent.partition(time, offset, type, topic, partition, was.leader(),
                now.leader(), was.isr(), now.isr(), now.leaderEpoch(), reason));
    }

    private static String leaderReason(PartitionRegistration was, PartitionRegistration now, MetadataImage before,
                                       MetadataImage after) {
        List<String> why = new ArrayList<>();
        if (was.hasLeader()) {
            String gone = departure(was.leader(), before, after);
            if (gone != null) {
                why.add(gone);
            }
        } else {
            why.add("back online");
        }
        if (!now.hasLeader()) {
            why.add("no in-sync replica left to lead: offline");
        } else if (!was.isr().contains(now.leader())) {
            why.add("unclean election: broker " + now.leader() + " was not in the ISR");
        } else if (was.hasLeader() && why.isEmpty() && now.leader() == now.replicas().get(0)) {
            why.add("preferred leader election");
        }
        return why.isEmpty() ? "leader moved" : String.join("; ", why);
    }

    private static String isrReason(PartitionRegistration was, PartitionRegistration now, MetadataImage before,
                                    MetadataImage after) {
        List<String> why = new ArrayList<>();
        Set<Integer> left = new HashSet<>(was.isr());
        now.isr().forEach(left::remove);
        Set<Integer> joined = new HashSet<>(now.isr());
        was.isr().forEach(joined::remove);
        for (int broker : left.stream().sorted().toList()) {
            String gone = departure(broker, before, after);
            why.add(gone != null ? gone : "replica " + broker + " fell behind (replica.lag.time.max.ms)");
        }
        joined.stream().sorted().forEach(broker -> why.add("replica " + broker + " caught up"));
        return String.join("; ", why);
    }

    /** Why {@code broker} stopped serving in this change, or null if it did not. */
    private static String departure(int broker, MetadataImage before, MetadataImage after) {
        BrokerRegistration was = before.broker(broker);
        BrokerRegistration now = after.broker(broker);
        if (now == null) {
            return "broker " + broker + " unregistered";
        }
        if (was != null && was.epoch() != now.epoch()) {
            return "broker " + broker + " restarted";
        }
        if (now.fenced() && (was == null || !was.fenced())) {
            return now.shuttingDown() ? "broker " + broker + " shut down" : "broker " + broker + " fenced";
        }
        return null;
    }
}
