package dev.iolite.server.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.base.DescribedPredicate;
import dev.iolite.server.devices.ConnectionStore;
import dev.iolite.server.hubs.HubStore;
import dev.iolite.server.jdbc.dialect.JsonSql;
import dev.iolite.server.jdbc.dialect.SqlDialect;
import dev.iolite.server.jobs.JobStore;
import dev.iolite.server.messages.MessageStore;
import dev.iolite.server.registry.QueryStore;
import dev.iolite.server.registry.RegistryStore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackages;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
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
                        "dev.iolite.server.store..", "dev.iolite.server.jdbc..", "dev.iolite.server.devices..",
                        "dev.iolite.server.messages..", "dev.iolite.server.configurations..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.iolite.server.arm..", "dev.iolite.server.hubapi..",
                        "dev.iolite.server.http..", "dev.iolite.server.mqtt..", "dev.iolite.server.amqp..", "dev.iolite.cli..")
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
        noClasses().that().resideInAnyPackage("dev.iolite.server.arm..", "dev.iolite.server.hubapi..")
                .should().dependOnClassesThat().resideInAPackage("dev.iolite.server.mqtt..").check(MAIN);
        noClasses().that().resideInAPackage("dev.iolite.server.mqtt..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.iolite.server.arm..", "dev.iolite.server.hubapi..",
                        "dev.iolite.server.amqp..")
                .allowEmptyShould(true).check(MAIN);
        noClasses().that().resideInAnyPackage("dev.iolite.server.arm..", "dev.iolite.server.hubapi..")
                .should().dependOnClassesThat().resideInAPackage("dev.iolite.server.amqp..").check(MAIN);
        noClasses().that().resideInAPackage("dev.iolite.server.amqp..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.iolite.server.arm..", "dev.iolite.server.hubapi..",
                        "dev.iolite.server.mqtt..")
                .check(MAIN);
    }

    @Test
    void onlyTheCompositionRootKnowsTheJdbcStore() {
        noClasses().that().resideOutsideOfPackages("dev.iolite.server", "dev.iolite.server.jdbc..")
                .should().dependOnClassesThat().resideInAPackage("dev.iolite.server.jdbc..").check(MAIN);
    }

    /**
     * The JDBC packages, each above the ones it may use: a package depends only on those listed for it (and on
     * the domain's ports and types), never on one above it.
     */
    private static final Map<String, List<String>> JDBC_LAYERS = new LinkedHashMap<>();
    static {
        JDBC_LAYERS.put("dialect", List.of());
        JDBC_LAYERS.put("rows", List.of("dialect"));
        JDBC_LAYERS.put("migration", List.of("dialect", "rows"));
        JDBC_LAYERS.put("", List.of("dialect", "migration"));
        JDBC_LAYERS.put("query", List.of("", "dialect", "rows"));
        JDBC_LAYERS.put("registry", List.of("", "dialect", "rows", "query"));
        JDBC_LAYERS.put("hubs", List.of("", "dialect", "registry"));
        JDBC_LAYERS.put("jobs", List.of("", "dialect"));
        JDBC_LAYERS.put("backup", List.of());
        JDBC_LAYERS.put("devices", List.of("", "dialect"));
        JDBC_LAYERS.put("messages", List.of("", "dialect"));
        JDBC_LAYERS.put("cluster", List.of(""));
        JDBC_LAYERS.put("configurations", List.of("", "dialect"));
    }

    private static String jdbc(String sub) {
        return sub.isEmpty() ? "dev.iolite.server.jdbc" : "dev.iolite.server.jdbc." + sub;
    }

    @Test
    void jdbcPackagesDependOnlyDownward() {
        for (Map.Entry<String, List<String>> layer : JDBC_LAYERS.entrySet()) {
            List<String> allowed = new ArrayList<>();
            allowed.add(jdbc(layer.getKey()));
            for (String below : layer.getValue()) allowed.add(jdbc(below));
            noClasses().that().resideInAPackage(jdbc(layer.getKey()))
                    .should().dependOnClassesThat(resideInAPackage("dev.iolite.server.jdbc..")
                            .and(resideOutsideOfPackages(allowed.toArray(String[]::new))))
                    .as("JDBC package " + jdbc(layer.getKey()) + " depends only on " + allowed)
                    .allowEmptyShould(true)
                    .check(MAIN);
        }
    }

    @Test
    void everyJdbcPackageHasItsPlaceInTheLayers() {
        List<String> unplaced = new ArrayList<>();
        for (JavaClass c : MAIN) {
            String pkg = c.getPackageName();
            if (!pkg.startsWith("dev.iolite.server.jdbc")) continue;
            String sub = pkg.equals("dev.iolite.server.jdbc") ? "" : pkg.substring("dev.iolite.server.jdbc.".length());
            if (!JDBC_LAYERS.containsKey(sub)) unplaced.add(pkg);
        }
        assertThat(unplaced).as("packages of dev.iolite.server.jdbc missing from JDBC_LAYERS").isEmpty();
    }

    @Test
    void theDialectsAreUsedOnlyThroughSqlDialect() {
        DescribedPredicate<JavaClass> aDialect = assignableTo(SqlDialect.class).or(assignableTo(JsonSql.class))
                .and(not(equivalentTo(SqlDialect.class))).and(not(equivalentTo(JsonSql.class)))
                .as("a dialect (an implementation of SqlDialect or JsonSql)");
        noClasses().that().resideOutsideOfPackage("dev.iolite.server.jdbc.dialect")
                .should().dependOnClassesThat(aDialect).check(MAIN);
    }

    @Test
    void onlyTheDatabaseRunsTheMigrations() {
        noClasses().that().resideOutsideOfPackages("dev.iolite.server.jdbc", "dev.iolite.server.jdbc.migration")
                .should().dependOnClassesThat().resideInAPackage("dev.iolite.server.jdbc.migration").check(MAIN);
    }

    @Test
    void theStoresImplementTheDomainsPorts() {
        classes().that().resideInAPackage("dev.iolite.server.jdbc..").and().haveSimpleNameEndingWith("Store")
                .should().implement(RegistryStore.class).orShould().implement(QueryStore.class)
                .orShould().implement(HubStore.class).orShould().implement(JobStore.class)
                .orShould().implement(ConnectionStore.class).orShould().implement(MessageStore.class)
                .orShould().implement(dev.iolite.server.hubs.ConsumerGroupStore.class)
                .orShould().implement(dev.iolite.server.messages.CloudQueueStore.class)
                .orShould().implement(dev.iolite.server.configurations.ConfigurationStore.class).check(MAIN);
        classes().that().haveSimpleNameEndingWith("Store").and().areInterfaces()
                .should().resideInAnyPackage("dev.iolite.server.hubs", "dev.iolite.server.jobs",
                        "dev.iolite.server.registry", "dev.iolite.server.devices", "dev.iolite.server.messages",
                        "dev.iolite.server.configurations")
                .as("the store ports live in the domain packages that use them").check(MAIN);
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
                        "dev.iolite.server.hubs..", "dev.iolite.server.jobs..", "dev.iolite.server.registry..",
                        "dev.iolite.server.query..", "dev.iolite.server.json..", "dev.iolite.server.throttle..",
                        "dev.iolite.server.store..", "dev.iolite.server.errors..", "dev.iolite.server.files..",
                        "dev.iolite.server.metrics..", "dev.iolite.server.devices..", "dev.iolite.server.messages..",
                        "dev.iolite.server.mqtt..", "dev.iolite.server.amqp..")
                .should().dependOnClassesThat().resideInAPackage("dev.iolite.server.jdbc..")
                .check(MAIN);
    }
}
