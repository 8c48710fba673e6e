package dev.iolite.server.devices;

import dev.iolite.server.registry.DeviceKey;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The devices and modules connected to this node: at most one link per identity (a new connection
 * replaces the old one, as IoT Hub does), and waiters for an identity that is not connected yet
 * (a method call's {@code connectTimeoutInSeconds}).
 */
public final class DeviceSessions {
    private record Id(String hub, DeviceKey key) {
        static Id of(String hub, DeviceKey key) { return new Id(hub.toLowerCase(Locale.ROOT), key); }
    }

    private record Waiter(Predicate<DeviceLink> ready, CompletableFuture<DeviceLink> future) {}

    /** A link and when it was registered, so that a newer connection at another node is told from an older one. */
    private record Held(DeviceLink link, Instant since) {}

    private final ConcurrentHashMap<Id, Held> links = new ConcurrentHashMap<>();
    /** The links of each device and its modules, keyed by the device. */
    private final ConcurrentHashMap<Id, List<DeviceLink>> byDevice = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Id, List<Waiter>> waiters = new ConcurrentHashMap<>();
    private final ConnectionEvents events;
    private final Clock clock;
    private final List<Consumer<DeviceLink>> endListeners = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<DeviceLink, Instant>> startListeners = new CopyOnWriteArrayList<>();

    public DeviceSessions(ConnectionEvents events, Clock clock) {
        this.events = events;
        this.clock = clock;
    }

    /** Makes {@code link} its identity's connection; the one it replaces, if any, is closed. */
    public void register(DeviceLink link) {
        Instant now = clock.instant();
        Held replaced = links.put(Id.of(link.hub(), link.key()), new Held(link, now));
        DeviceLink old = replaced == null ? null : replaced.link();
        byDevice.compute(Id.of(link.hub(), link.key().parent()), (k, list) -> {
            List<DeviceLink> l = list == null ? new ArrayList<>(1) : new ArrayList<>(list);
            if (old != null) l.remove(old);
            l.add(link);
            return List.copyOf(l);
        });
        if (old != null && old.id() != link.id()) {
            events.disconnected(old, now);
            old.close(DeviceLink.CloseReason.REPLACED);
            ended(old);
        }
        events.connected(link, now);
        for (BiConsumer<DeviceLink, Instant> l : startListeners) l.accept(link, now);
        changed(link);
    }

    /**
     * The identity connected to another node at {@code began}: its link here, if it was registered before that,
     * is closed as replaced (IoT Hub keeps one connection per identity, wherever it lands). A link registered
     * here later is the newer one and stays.
     */
    public void replacedElsewhere(String hub, DeviceKey key, Instant began) {
        Held held = links.get(Id.of(hub, key));
        if (held == null || held.since().isAfter(began)) return;
        held.link().close(DeviceLink.CloseReason.REPLACED);
        unregister(held.link());
    }

    /** Tells {@code listener} of every link registered here, with the time it was registered; it must return quickly. */
    public void whenStarted(BiConsumer<DeviceLink, Instant> listener) {
        startListeners.add(listener);
    }

    /** {@code link} ended; nothing happens when a newer link has replaced it already. */
    public void unregister(DeviceLink link) {
        Id id = Id.of(link.hub(), link.key());
        Held held = links.get(id);
        if (held != null && held.link() == link && links.remove(id, held)) {
            byDevice.computeIfPresent(Id.of(link.hub(), link.key().parent()), (k, list) -> {
                List<DeviceLink> l = new ArrayList<>(list);
                l.remove(link);
                return l.isEmpty() ? null : List.copyOf(l);
            });
            events.disconnected(link, clock.instant());
            ended(link);
        }
    }

    /** The device on {@code link} sent or was sent something ({@code lastActivityTime}); cheap, called per packet. */
    public void active(DeviceLink link) {
        events.active(link, clock.instant());
    }

    /**
     * Tells {@code listener} of every link that ends here, unregistered or replaced, once it is no longer found
     * (a method call waiting for that link's answer fails at once). Listeners must return quickly.
     */
    public void whenEnded(Consumer<DeviceLink> listener) {
        endListeners.add(listener);
    }

    private void ended(DeviceLink link) {
        for (Consumer<DeviceLink> l : endListeners) l.accept(link);
    }

    /** A link's subscriptions changed: waiters that were waiting for them may go on. */
    public void changed(DeviceLink link) {
        Id id = Id.of(link.hub(), link.key());
        List<Waiter> ready = new ArrayList<>();
        waiters.computeIfPresent(id, (k, list) -> {
            List<Waiter> rest = new ArrayList<>();
            for (Waiter w : list) {
                if (w.future().isDone()) continue;
                (w.ready().test(link) ? ready : rest).add(w);
            }
            return rest.isEmpty() ? null : rest;
        });
        for (Waiter w : ready) w.future().complete(link);
    }

    public Optional<DeviceLink> find(String hub, DeviceKey key) {
        return Optional.ofNullable(links.get(Id.of(hub, key))).map(Held::link);
    }

    /**
     * The identity's link once it is connected here and {@code ready} holds for it, waiting at most
     * {@code wait}; the future completes with null when the wait ends first.
     */
    public CompletableFuture<DeviceLink> await(String hub, DeviceKey key, Predicate<DeviceLink> ready, Duration wait) {
        Id id = Id.of(hub, key);
        DeviceLink now = find(hub, key).orElse(null);
        if (now != null && ready.test(now)) return CompletableFuture.completedFuture(now);
        if (wait.isZero() || wait.isNegative()) return CompletableFuture.completedFuture(null);
        CompletableFuture<DeviceLink> f = new CompletableFuture<DeviceLink>().completeOnTimeout(null, wait.toMillis(),
                TimeUnit.MILLISECONDS);
        waiters.compute(id, (k, list) -> {
            List<Waiter> l = list == null ? new ArrayList<>() : list;
            l.add(new Waiter(ready, f));
            return l;
        });
        f.whenComplete((l, e) -> waiters.computeIfPresent(id, (k, list) -> {
            list.removeIf(w -> w.future() == f);
            return list.isEmpty() ? null : list;
        }));
        DeviceLink again = find(hub, key).orElse(null);  // connected between the first look and the waiter's registration
        if (again != null && ready.test(again)) f.complete(again);
        return f;
    }

    /** Every link of {@code hub} for {@code deviceId} (the device's and its modules'). */
    public List<DeviceLink> ofDevice(String hub, String deviceId) {
        return byDevice.getOrDefault(Id.of(hub, DeviceKey.device(deviceId)), List.of());
    }

    /** Whether the identity, or for a device any of its modules, is connected here. */
    public boolean holds(String hub, DeviceKey key) {
        return key.moduleId() == null ? byDevice.containsKey(Id.of(hub, key)) : links.containsKey(Id.of(hub, key));
    }

    public int size() { return links.size(); }

    /** Closes every link (the server stops). */
    public void closeAll() {
        for (Held h : List.copyOf(links.values())) h.link().close(DeviceLink.CloseReason.SHUTDOWN);
    }
}
