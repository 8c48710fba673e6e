package dev.iolite.cli;

import dev.iolite.server.ServerConfig;
import dev.iolite.server.store.StoreUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Secrets read from files and the environment, and grants of storage accounts to hubs. */
class SecretOptionsTest {
    @TempDir
    Path dir;

    @Test
    void storageAccountsNameTheirHubs() throws Exception {
        Path file = dir.resolve("accounts");
        Files.writeString(file, "# storage for the fleet hubs\nfleet=S2V5T25l@north,south\n\nshared=S2V5VHdv\n");
        assertThat(SecretOptions.storageAccounts(file)).containsExactly(
                new ServerConfig.StorageAccount("fleet", "S2V5T25l", List.of("north", "south")),
                new ServerConfig.StorageAccount("shared", "S2V5VHdv", List.of()));
        assertThat(new ServerConfig.StorageAccount("fleet", "S2V5T25l", List.of("north")).toString()).doesNotContain("S2V5T25l");
    }

    @Test
    void aBadAccountNamesTheAccountNeverTheKey() {
        assertThatThrownBy(() -> SecretOptions.storageAccount("fleet=S2V5T25l@"))
                .hasMessageContaining("fleet").hasMessageNotContaining("S2V5T25l");
        assertThatThrownBy(() -> SecretOptions.storageAccounts(dir.resolve("missing")))
                .hasMessageContaining("--storage-account-file");
    }

    @Test
    void theStorePasswordComesFromAFileOrTheEnvironment() throws Exception {
        StoreUrl url = StoreUrl.parse("postgresql://iolite@db.example:5432/iolite?sslmode=verify-full");
        Path file = dir.resolve("pw");
        Files.writeString(file, "s3cret\n");
        assertThat(SecretOptions.withPassword(url, file, "from-env").password()).isEqualTo("s3cret");
        assertThat(SecretOptions.withPassword(url, null, "from-env").password()).isEqualTo("from-env");
        assertThat(SecretOptions.withPassword(url, null, null).password()).isNull();
        assertThat(url.jdbcUrl()).as("TLS settings reach the driver").contains("sslmode=verify-full");
        assertThat(SecretOptions.withPassword(url, file, null).toString()).doesNotContain("s3cret");
    }
}
