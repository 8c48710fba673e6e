package dev.iolite.server.configurations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.query.QueryCompiler;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.QueryStore;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.registry.Twin;
import dev.iolite.server.registry.TwinDocument;
import dev.iolite.server.registry.TwinRules;
import dev.iolite.server.store.StaleWriteException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Applies a hub's configurations to its twins, as IoT Hub's automatic device management does, and computes their
 * metrics. One pass reads the hub's twins a page at a time in key order, each with which configurations' target
 * conditions select it (one SQL scan for all of them). A twin that configurations target gets the content of the
 * one of highest priority (the newest on a tie) written into its desired properties, once, when that configuration
 * becomes the one applied; its {@code configurations} section names each configuration that targets it as
 * {@code targeted} or {@code applied}. A twin no longer targeted loses the entry, not the properties it was given.
 * <p>
 * One thread of its own runs the passes, a hub at a time. A configuration written at this node, and any registry
 * write at this node to a hub that has configurations, wakes it; changes coalesce for {@link #SETTLE}, so an
 * import makes a pass after its batches rather than one per batch. Every {@link #SWEEP} it passes over every hub
 * with configurations, which catches writes made at other nodes. IoT Edge deployments ({@code modulesContent})
 * target edge devices in the same scan of the devices, and {@link EdgeDeployments} writes their modules' twins in
 * the page's transaction.
 */
public final class ConfigurationEvaluator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigurationEvaluator.class);
    /** Twins read and written per transaction. */
    static final int PAGE = 1000;
    /** How long a wake waits for more changes before the pass starts. */
    static final Duration SETTLE = Duration.ofMillis(300);
    /** How often every hub with configurations gets a pass, changed here or not. */
    static final Duration SWEEP = Duration.ofMinutes(5);
    private static final int PAGE_ATTEMPTS = 5;
    private static final String APPLIED = "applied";
    private static final String TARGETED = "targeted";

    private final ConfigurationStore configurations;
    private final QueryStore queries;
    private final RegistryService registry;
    private final EdgeDeployments deployments;
    /** Hubs to pass over; at most one entry per hub. */
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    /** Hubs known to hold configurations (a registry write elsewhere wakes nothing). */
    private final Set<String> withConfigurations = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private final Thread thread;
    private volatile boolean closed;

    public ConfigurationEvaluator(ConfigurationStore configurations, QueryStore queries, RegistryService registry) {
        this.configurations = configurations;
        this.queries = queries;
        this.registry = registry;
        this.deployments = new EdgeDeployments(registry);
        this.thread = new Thread(this::run, "iolite-configurations");
        this.thread.setDaemon(true);
        this.thread.setUncaughtExceptionHandler((t, e) -> LOG.error("the configurations' evaluation stopped", e));
    }

    /** Starts the thread; the first pass covers every hub with configurations. */
    public ConfigurationEvaluator start() {
        thread.start();
        return this;
    }

    /** A configuration of {@code hub} changed: pass over it soon. */
    public void wake(String hub) {
        withConfigurations.add(hub);
        dirty.add(hub);
        signal();
    }

    /** A registry write to {@code hub} committed: pass over it soon if it has configurations. */
    public void registryWritten(String hub) {
        if (withConfigurations.contains(hub)) {
            dirty.add(hub);
            signal();
        }
    }


    private void signal() {
        lock.lock();
        try {
            woken.signal();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        long nextSweep = 0;
        while (!closed) {
            try {
                if (System.nanoTime() - nextSweep >= 0) {
                    List<String> hubs = configurations.hubs();
                    withConfigurations.addAll(hubs);
                    dirty.addAll(withConfigurations);
                    nextSweep = System.nanoTime() + SWEEP.toNanos();
                }
                if (dirty.isEmpty()) {
                    lock.lock();
                    try {
                        if (dirty.isEmpty() && !closed) woken.await(Math.max(1, nextSweep - System.nanoTime()), TimeUnit.NANOSECONDS);
                    } finally {
                        lock.unlock();
                    }
                    continue;
                }
                Thread.sleep(SETTLE.toMillis());
                for (String hub : List.copyOf(dirty)) {
                    if (closed) return;
                    dirty.remove(hub);
                    try {
                        pass(hub);
                    } catch (RuntimeException e) {
                        // the store failed or the hub went away: the next wake or sweep tries again
                        LOG.warn("configurations of hub {} could not be applied: {}", hub, e.toString());
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("the configurations' evaluation failed: {}", e.toString());
                nextSweep = System.nanoTime() + SWEEP.toNanos();
            }
        }
    }

    /** One pass over the hub: every twin, every configuration; then the metrics. */
    void pass(String hub) {
        List<Configuration> all = new ArrayList<>(configurations.list(hub, ConfigurationService.MAX_PER_HUB));
        // highest priority first; on a tie the newest
        all.sort(Comparator.comparingInt(Configuration::priority).reversed()
                .thenComparing(Configuration::created, Comparator.reverseOrder()).thenComparing(Configuration::id));
        Map<String, long[]> counts = new java.util.HashMap<>();
        // each side keeps the other's entries in a module twin's section: deployments and ADM may both target it
        Set<String> deploymentIds = new java.util.HashSet<>();
        Set<String> admIds = new java.util.HashSet<>();
        for (Configuration c : all) (c.kind() == Configuration.ContentKind.MODULES ? deploymentIds : admIds).add(c.id());
        for (TwinQuery.Source source : TwinQuery.Source.TWINS) {
            List<Configuration> mine = new ArrayList<>();
            List<TwinQuery> targets = new ArrayList<>();
            for (Configuration c : all) {
                boolean deployment = c.kind() == Configuration.ContentKind.MODULES;
                if (deployment && source != TwinQuery.Source.DEVICES) continue;
                TwinQuery target = deployment ? EdgeDeployments.target(c) : ConfigurationService.targetQuery(c.targetCondition());
                if (target == null || target.source() != source) continue;
                mine.add(c);
                targets.add(target);
            }
            passSource(hub, source, mine, targets, deploymentIds, admIds, counts);
        }
        for (Configuration c : all) {
            ObjectNode results = JsonNodeFactory.instance.objectNode();
            ObjectNode system = results.putObject("systemMetrics");
            long[] n = counts.getOrDefault(c.id(), new long[2]);
            Map<String, String> systemQueries = SystemMetrics.queries(c);
            for (Map.Entry<String, String> q : systemQueries.entrySet()) {
                if (q.getKey().equals(SystemMetrics.TARGETED) && c.kind() != Configuration.ContentKind.MODULES) {
                    system.put(q.getKey(), n[0]);
                } else if (q.getKey().equals(SystemMetrics.APPLIED) && c.kind() != Configuration.ContentKind.MODULES) {
                    system.put(q.getKey(), n[1]);
                } else {
                    count(hub, q.getValue()).ifPresent(v -> system.put(q.getKey(), v));
                }
            }
            ObjectNode custom = results.putObject("metrics");
            c.metricQueries().forEach((name, query) -> count(hub, query).ifPresent(v -> custom.put(name, v)));
            configurations.saveResults(hub, c.id(), results);
        }
        if (all.isEmpty()) withConfigurations.remove(hub);
    }

    /** The rows a metric's query selects, or empty when it no longer runs (it compiled when it was written). */
    private java.util.Optional<Long> count(String hub, String query) {
        try {
            TwinQuery q = QueryCompiler.compile(query);
            List<dev.iolite.server.query.GroupRow> rows = queries.queryGroups(hub, q.counting(), 0, 1);
            return java.util.Optional.of(rows.isEmpty() ? 0L : rows.get(0).count());
        } catch (IoliteException | dev.iolite.server.store.StatementTimeoutException e) {
            LOG.debug("metric query of hub {} not counted: {}", hub, e.toString());
            return java.util.Optional.empty();
        }
    }

    private void passSource(String hub, TwinQuery.Source source, List<Configuration> mine, List<TwinQuery> targets,
                            Set<String> deploymentIds, Set<String> admIds, Map<String, long[]> counts) {
        DeviceKey after = null;
        while (!closed) {
            List<Device> page = new ArrayList<>(PAGE);
            List<BitSet> flags = new ArrayList<>(PAGE);
            for (int attempt = 1; ; attempt++) {
                page.clear();
                flags.clear();
                queries.scanTargets(hub, source, targets, after, PAGE, (d, f) -> {
                    page.add(d);
                    flags.add(f);
                });
                List<Device> current = new ArrayList<>();
                List<Twin> next = new ArrayList<>();
                Map<String, long[]> pageCounts = new java.util.HashMap<>();
                for (int i = 0; i < page.size(); i++) {
                    Twin t = evaluate(page.get(i), flags.get(i), mine, deploymentIds, pageCounts);
                    if (t != null) {
                        current.add(page.get(i));
                        next.add(t);
                    }
                }
                if (source == TwinQuery.Source.DEVICES) deployments.evaluatePage(hub, page, flags, mine, admIds, current, next);
                try {
                    registry.replaceTwins(hub, current, next);
                    pageCounts.forEach((id, n) -> {
                        long[] total = counts.computeIfAbsent(id, k -> new long[2]);
                        total[0] += n[0];
                        total[1] += n[1];
                    });
                    break;
                } catch (StaleWriteException e) {
                    // a twin of the page changed meanwhile: read the page again
                    if (attempt == PAGE_ATTEMPTS) throw e;
                }
            }
            if (page.size() < PAGE) return;
            after = page.get(page.size() - 1).key();
        }
    }

    /**
     * The twin's next state, or null when it stays as it is; counts targeted and applied per configuration. The
     * section's entries of {@code deploymentIds} are {@link EdgeDeployments}' and kept.
     */
    private static Twin evaluate(Device d, BitSet flags, List<Configuration> mine, Set<String> deploymentIds,
                                 Map<String, long[]> counts) {
        Twin twin = d.twin();
        ObjectNode before = twin.configurations().toTree();
        if (flags.isEmpty() && before.isEmpty()) return null;
        ObjectNode section = EdgeDeployments.kept(before, deploymentIds);
        Configuration winner = null;
        TwinDocument desired = twin.desired();
        for (int i = flags.nextSetBit(0); i >= 0; i = flags.nextSetBit(i + 1)) {
            Configuration c = mine.get(i);
            if (c.kind() == Configuration.ContentKind.MODULES) continue; // a deployment's twins are its modules'
            boolean applies = false;
            if (winner == null && c.content() != null) {
                TwinDocument next = alreadyApplied(before, c.id()) ? desired : apply(desired, c);
                if (next != null) {
                    winner = c;
                    desired = next;
                    applies = true;
                }
            }
            section.putObject(c.id()).put("status", applies ? APPLIED : TARGETED);
            long[] n = counts.computeIfAbsent(c.id(), k -> new long[2]);
            n[0]++;
            if (applies) n[1]++;
        }
        if (section.equals(before) && desired == twin.desired()) return null;
        return new Twin(twin.tags(), desired, twin.reported(), twin.version() + 1,
                section.isEmpty() ? TwinDocument.EMPTY : TwinDocument.of(section));
    }

    private static boolean alreadyApplied(ObjectNode section, String id) {
        JsonNode entry = section.get(id);
        return entry != null && APPLIED.equals(entry.path("status").asText());
    }

    /** The desired properties with the configuration's content written in, or null when they would break a twin's limits. */
    private static TwinDocument apply(TwinDocument desired, Configuration c) {
        ObjectNode content = c.content();
        ObjectNode patch = ContentPaths.desired(content, c.kind().field());
        // a 'properties.desired' key replaces the whole document (with its siblings' paths written in)
        TwinDocument next = ContentPaths.replacesWhole(content) ? TwinDocument.replacing(patch) : desired.merged(patch);
        try {
            TwinRules.validateDesired(next.toTree());
        } catch (IoliteException e) {
            return null;
        }
        return next;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
