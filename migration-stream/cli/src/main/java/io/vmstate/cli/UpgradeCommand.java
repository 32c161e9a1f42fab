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
      "Rewrite IN, written by an older version of a device description, as today's version.",
      "Every FULL section whose device has a typed vmstate-java description and an older version",
      "is decoded at its version (which must lie inside the description's window) and encoded at",
      "the current one; fields the old version lacked take their default (zero); its vmdesc entry",
      "is rewritten. All other sections and the RAM are copied byte for byte.",
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
      description = {
        "Write the upgraded sections for this QEMU release, e.g. qemu-7.2: subsections it lacks",
        "are left out, or refused (exit 1, naming the subsection) when they hold state."
      })
  QemuRelease target;

  @Mixin UserDescriptions userDescriptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    userDescriptions.load();
    SectionUpgrader upgrader = new SectionUpgrader(target);
    RewriteCommand.copy(in, out, null, upgrader, upgrader, spec);
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
    spec.commandLine().getErr().println(n + " section" + (n == 1 ? "" : "s") + " upgraded");
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
