package dev.iolite.server.messages;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionsTest {

    @Test
    void aDevicesPartitionIsItsIdsFnv1aHashModuloTheCount() {
        // FNV-1a 32-bit of "a" is 0xe40c292c and of "foobar" 0xbf9cf968 (the reference test vectors): a change of
        // the hash would move devices' later messages to other partitions than their earlier ones
        assertThat(Partitions.of("a", 32)).isEqualTo(0xe40c292cL % 32);
        assertThat(Partitions.of("foobar", 32)).isEqualTo(0xbf9cf968L % 32);
        assertThat(Partitions.of("foobar", 3)).isEqualTo((int) (0xbf9cf968L % 3));
        assertThat(Partitions.of("anything", 1)).isZero();
    }

    @Test
    void devicesSpreadOverThePartitions() {
        int[] counts = new int[4];
        for (int i = 0; i < 4000; i++) counts[Partitions.of("device-" + i, 4)]++;
        for (int n : counts) assertThat(n).isGreaterThan(800);
    }
}
