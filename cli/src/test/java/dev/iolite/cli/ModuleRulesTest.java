package dev.iolite.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The command line is a client of the server's composition root and of the client library, nothing deeper. */
class ModuleRulesTest {
    private static final JavaClasses CLI = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.iolite.cli");

    @Test
    void theCommandLineNeverReachesTheStoreOrTheWireSurfaces() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.iolite.server.jdbc..",
                "dev.iolite.server.arm..", "dev.iolite.server.hubapi..", "dev.iolite.server.http..",
                "dev.iolite.server.jobs..", "dev.iolite.server.registry..").check(CLI);
    }
}
