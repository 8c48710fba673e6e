package dev.iolite.cli;

import dev.iolite.cli.simulate.DeviceCredential;
import dev.iolite.client.DeviceRegistry;
import dev.iolite.client.models.DeviceIdentity;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The simulator's devices, {@code {prefix}1} to {@code {prefix}N}: those missing are created 100 per bulk call with
 * keys made here; those that exist already are read for their keys (a few at a time).
 */
final class SimulatorDevices {
    static final int BULK = 100;
    private static final int READERS = 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How many were created and how many existed, and every device's credential in id order. */
    record Ensured(int created, int existing, List<DeviceCredential> credentials) {}

    private SimulatorDevices() {}

    static Ensured ensure(DeviceRegistry registry, String prefix, int count) throws InterruptedException {
        List<DeviceCredential> all = new ArrayList<>(count);
        List<String> existing = new ArrayList<>();
        for (int from = 1; from <= count; from += BULK) {
            List<DeviceIdentity> batch = new ArrayList<>();
            for (int i = from; i < Math.min(count + 1, from + BULK); i++) {
                batch.add(new DeviceIdentity().setDeviceId(prefix + i).setStatus("enabled").setPrimaryKey(key()).setSecondaryKey(key()));
            }
            Map<String, String> failed = registry.createDevices(batch);
            for (DeviceIdentity d : batch) {
                String code = failed.get(d.getDeviceId());
                if (code == null) {
                    all.add(new DeviceCredential(d.getDeviceId(), d.getPrimaryKey()));
                } else if (code.equals("DeviceAlreadyExists") || code.equals("409001")) {
                    existing.add(d.getDeviceId());
                } else {
                    throw new Connection.Failure("cannot create device " + d.getDeviceId() + ": " + code);
                }
            }
        }
        int created = all.size();
        ExecutorService readers = Executors.newFixedThreadPool(READERS, r -> {
            Thread t = new Thread(r, "iolite-simulate-keys");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<DeviceIdentity>> reads = new ArrayList<>();
            for (String id : existing) reads.add(readers.submit(() -> registry.get(id)));
            for (Future<DeviceIdentity> f : reads) {
                DeviceIdentity d = f.get();
                if (d.getPrimaryKey() == null || d.getPrimaryKey().isBlank()) {
                    throw new Connection.Failure("device " + d.getDeviceId() + " exists without a symmetric key (X.509?); "
                            + "choose another --prefix");
                }
                all.add(new DeviceCredential(d.getDeviceId(), d.getPrimaryKey()));
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            readers.shutdownNow();
        }
        return new Ensured(created, existing.size(), all);
    }

    private static String key() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }
}
