package io.vmstate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.QemuRelease;
import io.vmstate.dump.PythonJson;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate upgrade IN OUT [--target qemu-X.Y]}. */
@Command(
    name = "upgrade",
    mixinStandardHelpOptions = true,
    description = {
      "Rewrite IN, written by an older version of a device description, as today's version."
          + " Every FULL section whose device has a typed vmstate-java description and an older"
          + " version is decoded at its version (which must lie inside the description's window)"
          + " and encoded at the current one; fields the old version lacked take their default"
          + " (zero); its vmdesc entry is rewritten. All other sections and the RAM are copied"
          + " byte for byte, except those --omit leaves out.",
      "--class-path adds your own descriptions.",
      "Prints a JSON list of the upgraded sections."
    })
final class UpgradeCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "IN", description = "input " + Cli.STREAM_FILE)
  Path in;

  @Parameters(
      index = "1",
      paramLabel = "OUT",
      description = "output stream file (written whole through a temporary file, or not at all)")
  Path out;

  @Option(
      names = "--target",
      paramLabel = "RELEASE",
      converter = ReleaseConverter.class,
      description =
          "Write the upgraded sections for this QEMU release, e.g. qemu-7.2: subsections it"
              + " lacks are left out while they hold their reset value, else refused (exit 1,"
              + " naming the section, subsection and field); 'cpu' sections are refused (see"
              + " --omit).")
  QemuRelease target;

  @Option(
      names = "--omit",
      paramLabel = "IDSTR",
      split = ",",
      description =
          "Leave every FULL section with this idstr out of OUT (header, body, footer and vmdesc"
              + " entry); repeatable or comma-separated. With --target, a stream with 'cpu'"
              + " sections is refused unless you give --omit cpu: their CPU register list does"
              + " not load on another QEMU release (the destination's CPUs then keep their reset"
              + " state).")
  java.util.List<String> omit = new java.util.ArrayList<>();

  @Mixin UserDescriptions userDescriptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    userDescriptions.load();
    SectionUpgrader upgrader = new SectionUpgrader(target, java.util.Set.copyOf(omit));
    RewriteCommand.copy(in, out, upgrader::preflight, null, upgrader, upgrader, spec);
    PrintWriter w = spec.commandLine().getOut();
    JsonGenerator g = PythonJson.generator(w);
    g.writeStartArray();
    for (SectionUpgrader.Upgrade u : upgrader.upgrades()) {
      g.writeStartObject();
      g.writeStringField("section", u.from().idstr());
      g.writeNumberField("instance_id", u.from().instanceId());
      g.writeNumberField("from", u.from().versionId());
      g.writeNumberField("to", u.toVersion());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.flush();
    w.println();
    w.flush();
    int n = upgrader.upgrades().size();
    int left = upgrader.omitted().size();
    spec.commandLine()
        .getErr()
        .println(
            n
                + " section"
                + (n == 1 ? "" : "s")
                + " upgraded"
                + (left == 0
                    ? ""
                    : ", " + left + " left out (--omit " + String.join(",", omit) + ")"));
    return 0;
  }

  /** Parses {@code qemu-7.2} or {@code 7.2}. */
  static final class ReleaseConverter implements picocli.CommandLine.ITypeConverter<QemuRelease> {
    @Override
    public QemuRelease convert(String value) {
      try {
        return QemuRelease.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
