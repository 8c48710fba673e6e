package dev.iolite.cli;

import dev.iolite.server.ServerConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigDefaultsTest {
    @Test
    void serveWithoutOptionsHasTheConfigurationsOwnDefaults() {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).setDefaultValueProvider(new ConfigDefaults()).parseArgs();
        // Run where no IOLITE_* variable is set (the build's environment), each option is the declared default.
        assertThat(serve.port).isEqualTo(ServerConfig.Http.DEFAULTS.port());
        assertThat(serve.bind).isEqualTo(ServerConfig.Http.DEFAULTS.bind());
        assertThat(serve.maxRequestBytes).isEqualTo(ServerConfig.Http.DEFAULTS.maxRequestBytes());
        assertThat(serve.dataDir).isEqualTo(ServerConfig.DEFAULT_DATA_DIR);
        assertThat(serve.hub).isEqualTo(ServerConfig.DEFAULT_HUB);
        assertThat(serve.allowedBlobHosts).isEqualTo(ServerConfig.Blobs.DEFAULTS.allowedHosts());
        assertThat(serve.jobQueue).isEqualTo(ServerConfig.Jobs.DEFAULTS.queue());
        assertThat(serve.jobBatchLines).isEqualTo(ServerConfig.Jobs.DEFAULTS.batchLines());
        assertThat(serve.jobLease).isEqualTo(ServerConfig.Jobs.DEFAULTS.lease());
        assertThat(serve.jobStallAfter).isEqualTo(ServerConfig.Jobs.DEFAULTS.stallAfter());
        assertThat(serve.jobWorkers).isEqualTo(ServerConfig.Jobs.DEFAULTS.workers());
        assertThat(serve.tlsCert).isNull();
    }

    @Test
    void durationsAreWrittenAsTheOptionsSpellThem() {
        assertThat(ConfigDefaults.duration(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(ConfigDefaults.duration(Duration.ofMinutes(3))).isEqualTo("3m");
        assertThat(ConfigDefaults.duration(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(ConfigDefaults.variable("--job-stall-after")).isEqualTo("IOLITE_JOB_STALL_AFTER");
        assertThat(ConfigDefaults.variable("--storage-account")).isEqualTo("IOLITE_STORAGE_ACCOUNTS");
    }

    @Test
    void theClientCommandsFindTheServersDataDirByTheSameDefaultAndKeepTheirOwnOthers() {
        CommandLine cli = new CommandLine(new Main());
        cli.setDefaultValueProvider(new ConfigDefaults());
        CommandLine.ParseResult parsed = cli.parseArgs("stats");
        CommandLine.Model.CommandSpec stats = parsed.subcommand().commandSpec();
        assertThat((java.nio.file.Path) stats.findOption("--data-dir").getValue()).isEqualTo(ServerConfig.DEFAULT_DATA_DIR);
        assertThat((String) stats.findOption("--hub").getValue()).as("a client's --hub has no server default").isNull();
    }
}
