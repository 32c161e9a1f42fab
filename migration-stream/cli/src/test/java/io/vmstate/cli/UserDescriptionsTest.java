package io.vmstate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.Preconditions;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.schema.proto.SchemaSet;
import io.vmstate.api.schema.proto.SectionSchema;
import io.vmstate.codec.StateRecord;
import io.vmstate.schema.json.SchemaFiles;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MachineConfiguration;
import io.vmstate.stream.TypedDescriptions;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --class-path}: a provider compiled here from source, put in a real jar and loaded by the
 * CLI for {@code schema}, {@code check-compat}, {@code upgrade} and {@code dump}; and every way a
 * jar is refused, in one line.
 */
class UserDescriptionsTest {
  @TempDir Path dir;

  /** What the CLI printed and returned. */
  record Run(int status, String out, String err) {}

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = VmStateCli.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(rc, out.toString(), err.toString());
  }

  /** An {@code acme_timer} at {@code version}; version 2 adds {@code prio} (since 2). */
  static String timerProvider(String className, int version) {
    return "package com.example;\n"
        + "import io.vmstate.api.VmStateDescription;\n"
        + "import io.vmstate.stream.TypedDescriptions;\n"
        + "import java.util.List;\n"
        + "public final class "
        + className
        + " implements TypedDescriptions.Provider {\n"
        + "  public static final class Timer { int ctlr; long count; int prio; }\n"
        + "  @Override public List<TypedDescriptions.Entry> descriptions() {\n"
        + "    VmStateDescription.Builder<Timer> b = VmStateDescription.<Timer>named(\"acme_timer\")\n"
        + "        .version("
        + version
        + ").minimumVersion(1)\n"
        + "        .uint32(\"ctlr\", t -> t.ctlr, (t, v) -> t.ctlr = v)\n"
        + "        .uint64(\"count\", t -> t.count, (t, v) -> t.count = v);\n"
        + (version >= 2
            ? "    b.uint32(\"prio\", t -> t.prio, (t, v) -> t.prio = v).since(2);\n"
            : "")
        + "    return List.of(new TypedDescriptions.Entry(\n"
        + "        b.build(), TypedDescriptions.Configure.NONE, \"acme-timer\"));\n"
        + "  }\n"
        + "}\n";
  }

  /** The test's copy of version 1, to write an old stream. */
  static final class Timer {
    int ctlr;
    long count;
  }

  static final VmStateDescription<Timer> TIMER_V1 =
      VmStateDescription.<Timer>named("acme_timer")
          .version(1)
          .uint32("ctlr", t -> t.ctlr, (t, v) -> t.ctlr = v)
          .uint64("count", t -> t.count, (t, v) -> t.count = v)
          .build();

  /**
   * Compiles {@code source} (class {@code com.example.NAME}) and jars it with a service file
   * listing {@code services} (null: no service file).
   */
  Path jar(String name, String source, String services) throws Exception {
    Path src = dir.resolve("src-" + name).resolve("com/example/" + name + ".java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, source);
    Path classes = dir.resolve("classes-" + name);
    Files.createDirectories(classes);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    String classPath =
        String.join(
            File.pathSeparator,
            location(TypedDescriptions.class),
            location(VmStateDescription.class),
            location(StateRecord.class),
            location(Preconditions.class));
    boolean ok =
        javac
            .getTask(
                diagnostics,
                null,
                null,
                List.of("-cp", classPath, "-d", classes.toString(), "--release", "17"),
                null,
                javac
                    .getStandardFileManager(null, null, StandardCharsets.UTF_8)
                    .getJavaFileObjects(src.toFile()))
            .call();
    assertTrue(ok, diagnostics::toString);
    Path jar = dir.resolve(name + ".jar");
    try (OutputStream os = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(os);
        Stream<Path> files = Files.walk(classes)) {
      List<Path> classFiles = new ArrayList<>(files.filter(Files::isRegularFile).sorted().toList());
      for (Path c : classFiles) {
        j.putNextEntry(new JarEntry(classes.relativize(c).toString().replace('\\', '/')));
        try (InputStream in = Files.newInputStream(c)) {
          in.transferTo(j);
        }
        j.closeEntry();
      }
      if (services != null) {
        j.putNextEntry(new JarEntry(UserDescriptions.SERVICE_FILE));
        j.write(services.getBytes(StandardCharsets.UTF_8));
        j.closeEntry();
      }
    }
    return jar;
  }

  Path timerJar(String name, int version) throws Exception {
    return jar(name, timerProvider(name, version), "com.example." + name + "\n");
  }

  static String location(Class<?> c) throws URISyntaxException {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  static SchemaSet read(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return SchemaFiles.read(in);
    }
  }

  static List<String> keys(SchemaSet s) {
    return s.getSectionsList().stream().map(SectionSchema::getKey).toList();
  }

  @Test
  void schemaPrintsTheJarsDescriptionsAfterOursUnderTheirKeys() throws Exception {
    Path v2 = timerJar("TimersV2", 2);
    Path out = dir.resolve("schema.json");
    Run r = cli("schema", "--class-path", v2.toString(), "-o", out.toString());
    assertEquals(0, r.status(), r.err());
    SchemaSet set = read(out);
    List<String> expected = new ArrayList<>(keys(SchemaCommand.ours()));
    expected.add("acme-timer");
    assertEquals(expected, keys(set));
    SectionSchema timer = set.getSections(expected.size() - 1);
    assertEquals(2, timer.getVersionId());
    assertEquals(1, timer.getMinimumVersionId());
    assertEquals(
        List.of("ctlr", "count", "prio"),
        timer.getDescription().getFieldsList().stream().map(f -> f.getName()).toList());

    Path plain = dir.resolve("plain.json");
    assertEquals(0, cli("schema", "-o", plain.toString()).status());
    assertEquals(keys(SchemaCommand.ours()), keys(read(plain)));
  }

  @Test
  void checkCompatWithoutNewChecksAgainstTodaysSchemaWithTheJar() throws Exception {
    Path v1 = timerJar("TimersV1", 1);
    Path v2 = timerJar("TimersV2", 2);
    Path old = dir.resolve("old.json");
    assertEquals(0, cli("schema", "--classpath", v1.toString(), "-o", old.toString()).status());

    Run same = cli("check-compat", old.toString(), "--class-path", v2.toString());
    assertEquals(0, same.status(), same.out() + same.err());
    assertEquals(
        "warning: acme-timer: version bumped: 1 -> 2; streams written by new cannot be loaded by"
            + " old (prefer a subsection)\n0 errors, 1 warning\n",
        same.out());

    Run without = cli("check-compat", old.toString());
    assertEquals(1, without.status(), without.out() + without.err());
    assertEquals(
        "error: acme-timer: section does not exist in new\n1 error, 0 warnings\n", without.out());
  }

  @Test
  void upgradeAndDumpUseTheJarsDescription() throws Exception {
    Timer t = new Timer();
    t.ctlr = 0x11;
    t.count = 123_456_789_000L;
    Path in = dir.resolve("v1.qemu");
    Files.write(
        in,
        new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
            .register("acme_timer", 0, TIMER_V1, t)
            .saveToBytes());
    Path v2 = timerJar("TimersV2", 2);

    Path same = dir.resolve("same.qemu");
    Run none = cli("upgrade", in.toString(), same.toString());
    assertEquals(0, none.status(), none.err());
    assertEquals("[]\n", none.out(), "without the jar nothing describes acme_timer");

    Path out = dir.resolve("v2.qemu");
    Run up = cli("upgrade", in.toString(), out.toString(), "--class-path", v2.toString());
    assertEquals(0, up.status(), up.err());
    assertEquals(
        "[\n    {\n        \"section\": \"acme_timer\",\n        \"instance_id\": 0,\n"
            + "        \"from\": 1,\n        \"to\": 2\n    }\n]\n",
        up.out());

    Run typed = cli("dump", out.toString(), "--class-path", v2.toString());
    assertEquals(0, typed.status(), typed.err());
    assertTrue(typed.out().contains("\"prio\": \"0x00000000\""), typed.out());
    assertTrue(typed.out().contains("\"ctlr\": \"0x00000011\""), typed.out());
    Run vmdesc = cli("dump", out.toString(), "--schema", "vmdesc");
    assertEquals(vmdesc.out(), typed.out());
  }

  /** One line on stderr naming what is wrong, and the status. */
  static void refused(Run r, int status, String... words) {
    assertEquals(status, r.status(), r.out() + r.err());
    String line = r.err().strip();
    assertFalse(line.isEmpty());
    assertFalse(line.contains("\n"), "one line: " + r.err());
    for (String w : words) {
      assertTrue(line.contains(w), "'" + w + "' in: " + line);
    }
  }

  @Test
  void theServiceFileIsTheProvidersBinaryName() {
    assertEquals(
        "META-INF/services/" + TypedDescriptions.Provider.class.getName(),
        UserDescriptions.SERVICE_FILE);
  }

  @Test
  void aMissingJarIsAUsageError() throws Exception {
    String missing = dir.resolve("nope.jar").toString();
    refused(cli("schema", "--class-path", missing), 2, "no such file", "nope.jar");
    refused(cli("dump", "--class-path", missing), 2, "nope.jar");
    Path old = dir.resolve("old.json");
    assertEquals(0, cli("schema", "-o", old.toString()).status());
    refused(
        cli("check-compat", old.toString(), "--class-path", missing),
        CheckCompatCommand.BAD_INPUT,
        "nope.jar");
  }

  @Test
  void aJarsBadContentIsRefusedInOneLine() throws Exception {
    Path notJar = dir.resolve("text.jar");
    Files.writeString(notJar, "hello");
    refused(cli("schema", "--class-path", notJar.toString()), 1, "text.jar", "not a readable jar");

    Path noService = jar("Lonely", timerProvider("Lonely", 1), null);
    refused(cli("schema", "--class-path", noService.toString()), 1, "Lonely.jar", "META-INF");

    Path missingClass = jar("Listed", timerProvider("Listed", 1), "com.example.NotThere\n");
    refused(cli("upgrade", "in", "out", "--class-path", missingClass.toString()), 1, "NotThere");

    Path throwing =
        jar(
            "Boom",
            "package com.example;\n"
                + "public final class Boom implements io.vmstate.stream.TypedDescriptions.Provider"
                + " {\n"
                + "  public java.util.List<io.vmstate.stream.TypedDescriptions.Entry>"
                + " descriptions() {\n"
                + "    throw new IllegalStateException(\"boom\");\n"
                + "  }\n"
                + "}\n",
            "com.example.Boom\n");
    refused(cli("schema", "--class-path", throwing.toString()), 1, "com.example.Boom", "boom");

    Path ours =
        jar(
            "Gic",
            timerProvider("Gic", 1).replace("\"acme_timer\"", "\"arm_gicv3\""),
            "com.example.Gic\n");
    refused(cli("dump", "--class-path", ours.toString()), 1, "arm_gicv3", "already describes");

    Path v1 = timerJar("TimersV1", 1);
    Path v2 = timerJar("TimersV2", 2);
    refused(
        cli("schema", "--class-path", v1 + File.pathSeparator + v2),
        1,
        "com.example.TimersV",
        "acme_timer",
        "already describes");

    Path taken =
        jar(
            "Taken",
            timerProvider("Taken", 1).replace("\"acme-timer\"", "\"arm-gicv3\""),
            "com.example.Taken\n");
    refused(cli("schema", "--class-path", taken.toString()), 1, "arm-gicv3", "taken");
  }
}
