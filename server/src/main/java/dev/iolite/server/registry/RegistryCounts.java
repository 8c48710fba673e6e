package dev.iolite.server.registry;

/** Device counts of a hub (modules are not counted), kept as counters ({@code hub_stats} in docs/architecture.md). */
public record RegistryCounts(long totalDeviceCount, long enabledDeviceCount, long disabledDeviceCount) {}
