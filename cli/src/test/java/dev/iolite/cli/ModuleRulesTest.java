package dev.iolite.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackages;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The command line is a client of the server's composition root and of the client library, nothing deeper. */
class ModuleRulesTest {
    private static final JavaClasses CLI = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.iolite.cli");

    /**
     * Of the server, the command line uses the composition root ({@code Iolite}, {@code ServerConfig} and how a
     * start fails), the parsed {@code --store} ({@code store.StoreUrl}), owner-only files, error codes, the token
     * minting that the server's checks answer ({@code auth}: ARM and SAS tokens) and the throttle's tiers
     * ({@code --throttle}) and the query language's compiler ({@code query}: {@code iolite query} lays its table out
     * in the order of the SELECT list, read as the server reads it); never the store, the domain's services or the wire surfaces.
     */
    @Test
    void theCommandLineReachesOnlyTheCompositionRootAndAFewFoundations() {
        noClasses().should().dependOnClassesThat(resideInAPackage("dev.iolite.server..")
                        .and(resideOutsideOfPackages("dev.iolite.server", "dev.iolite.server.store",
                                "dev.iolite.server.files", "dev.iolite.server.errors", "dev.iolite.server.auth",
                                "dev.iolite.server.throttle", "dev.iolite.server.query")))
                .check(CLI);
    }
}
