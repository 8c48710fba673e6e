package dev.iolite.server.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
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
                        "dev.iolite.server.jobs..", "dev.iolite.server.json..", "dev.iolite.server.query..", "dev.iolite.server.registry..",
                        "dev.iolite.server.store..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.iolite.server.arm..", "dev.iolite.server.hubapi..",
                        "dev.iolite.server.http..", "dev.iolite.cli..")
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
    void theTwoSurfacesDoNotBorrowFromEachOther() {
        noClasses().that().resideInAPackage("dev.iolite.server.arm..")
                .should().dependOnClassesThat().resideInAPackage("dev.iolite.server.hubapi..").check(MAIN);
        noClasses().that().resideInAPackage("dev.iolite.server.hubapi..")
                .should().dependOnClassesThat().resideInAPackage("dev.iolite.server.arm..").check(MAIN);
    }

    @Test
    void onlyTheCompositionRootKnowsTheJdbcStore() {
        noClasses().that().resideOutsideOfPackages("dev.iolite.server", "dev.iolite.server.jdbc..")
                .should().dependOnClassesThat().resideInAPackage("dev.iolite.server.jdbc..").check(MAIN);
    }

    @Test
    void noPackageSharesItsNameWithAClassInIt() {
        List<String> clashes = new ArrayList<>();
        for (JavaClass c : MAIN) {
            String pkg = c.getPackageName();
            String last = pkg.substring(pkg.lastIndexOf('.') + 1);
            if (!c.isNestedClass() && c.getSimpleName().equalsIgnoreCase(last)) clashes.add(c.getName());
        }
        assertThat(clashes).isEmpty();
    }

    @Test
    void theDomainReachesTheStoreOnlyThroughItsPorts() {
        noClasses().that().resideInAnyPackage("dev.iolite.server.auth..", "dev.iolite.server.blob..",
                        "dev.iolite.server.hubs..", "dev.iolite.server.jobs..", "dev.iolite.server.registry..")
                .should().dependOnClassesThat().resideInAPackage("dev.iolite.server.jdbc..")
                .check(MAIN);
    }
}
