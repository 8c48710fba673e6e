package dev.iolite.server.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** How the server's packages may depend on each other, checked on the compiled main classes. */
class PackageRulesTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.iolite.server");

    @Test
    void noPackageIsPartOfACycle() {
        slices().matching("dev.iolite.server.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theDomainNeverDependsOnAWireSurface() {
        noClasses().that().resideInAnyPackage("dev.iolite.server.auth..", "dev.iolite.server.blob..",
                        "dev.iolite.server.errors..", "dev.iolite.server.files..", "dev.iolite.server.hubs..",
                        "dev.iolite.server.jobs..", "dev.iolite.server.json..", "dev.iolite.server.registry..",
                        "dev.iolite.server.store..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.iolite.server.arm..", "dev.iolite.server.hub..",
                        "dev.iolite.server.http..", "dev.iolite.server.cli..")
                .check(MAIN);
    }

    @Test
    void errorsAndTheStoreExceptionsDependOnNothingOfTheProject() {
        noClasses().that().resideInAnyPackage("dev.iolite.server.errors", "dev.iolite.server.store")
                .should().dependOnClassesThat().resideOutsideOfPackages("java..", "dev.iolite.server.errors",
                        "dev.iolite.server.store")
                .check(MAIN);
    }

    @Test
    void theDomainReachesTheStoreOnlyThroughItsPorts() {
        noClasses().that().resideInAnyPackage("dev.iolite.server.auth..", "dev.iolite.server.blob..",
                        "dev.iolite.server.hubs..", "dev.iolite.server.jobs..", "dev.iolite.server.registry..")
                .should().dependOnClassesThat().resideInAPackage("dev.iolite.server.store.jdbc..")
                .check(MAIN);
    }
}
