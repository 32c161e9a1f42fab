package io.vmstate.cli;

import io.vmstate.api.schema.SchemaExporter;
import io.vmstate.api.schema.proto.SchemaSet;
import io.vmstate.cpu.VcpuPowerState;
import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.v2.GicV2State;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.schema.json.SchemaFiles;
import io.vmstate.stream.MachineConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmstate schema [--format json|qemu-json|proto] [--output FILE]}. */
@Command(
    name = "schema",
    mixinStandardHelpOptions = true,
    description = {
      "Print the schemas (wire layouts) of every device vmstate-java describes: the stream"
          + " configuration, arm_gic, arm-gicv3, arm-gicv3-its and vcpu_mp_state, keyed like"
          + " QEMU's -dump-vmstate; with --class-path, also the descriptions in your jars (under"
          + " their entries' schema keys).",
      "Feed two of these files (or a QEMU dump) to check-compat."
    })
public final class SchemaCommand implements Callable<Integer> {
  /** The machine name recorded in our schema sets ({@code vmschkmachine}). */
  static final String MACHINE = "vmstate-java";

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      converter = FormatConverter.class,
      description = {
        "json (default): QEMU's -dump-vmstate members plus the wire layout;",
        "qemu-json: exactly QEMU's members, for vmstate-static-checker.py;",
        "proto: a binary io.vmstate.schema SchemaSet message."
      })
  SchemaFiles.Format format = SchemaFiles.Format.JSON;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write to FILE instead of stdout.")
  Path output;

  @Mixin UserDescriptions userDescriptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /**
   * The schemas of all our descriptions, keyed by section idstr / QEMU class name: the ones {@code
   * vmstate schema} prints and the compatibility suite snapshots.
   */
  public static SchemaSet ours() {
    return SchemaExporter.set(MACHINE)
        .add("configuration", MachineConfiguration.DESCRIPTION)
        .add("arm_gic", GicV2State.DESCRIPTION)
        .add("arm-gicv3", GicV3State.DESCRIPTION)
        .add("arm-gicv3-its", ItsState.DESCRIPTION)
        .add("vcpu_mp_state", VcpuPowerState.DESCRIPTION)
        .build();
  }

  /**
   * {@link #ours} followed by the schemas of descriptions loaded from a user's jars, each under its
   * entry's schema key; refused when a key is taken or a description has no schema.
   */
  static SchemaSet withUsers(List<UserDescriptions.Loaded> users)
      throws UserDescriptions.RefusedException {
    SchemaSet ours = ours();
    if (users.isEmpty()) {
      return ours;
    }
    Set<String> keys = new HashSet<>();
    ours.getSectionsList().forEach(s -> keys.add(s.getKey()));
    SchemaExporter.SetBuilder b = SchemaExporter.set(MACHINE);
    for (UserDescriptions.Loaded u : users) {
      String key = u.entry().schemaKey();
      if (!keys.add(key)) {
        throw new UserDescriptions.RefusedException(
            u.provider()
                + " puts '"
                + u.entry().description().name()
                + "' under schema key '"
                + key
                + "', which is taken");
      }
      try {
        b.add(key, u.entry().description());
      } catch (RuntimeException e) {
        throw new UserDescriptions.RefusedException(
            u.provider() + ": '" + u.entry().description().name() + "' has no schema: " + e);
      }
    }
    return ours.toBuilder().addAllSections(b.build().getSectionsList()).build();
  }

  @Override
  public Integer call() throws Exception {
    SchemaSet set = withUsers(userDescriptions.load());
    if (output != null) {
      try (OutputStream os = Files.newOutputStream(output)) {
        SchemaFiles.write(set, os, format);
      }
      return 0;
    }
    if (format == SchemaFiles.Format.PROTO) {
      // binary: bypass the character writer
      spec.commandLine().getOut().flush();
      OutputStream os = new FileOutputStream(FileDescriptor.out);
      SchemaFiles.write(set, os, format);
      return 0;
    }
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    SchemaFiles.write(set, text, format);
    spec.commandLine().getOut().print(text.toString(StandardCharsets.UTF_8));
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Accepts {@code json}, {@code qemu-json} and {@code proto}. */
  static final class FormatConverter
      implements picocli.CommandLine.ITypeConverter<SchemaFiles.Format> {
    @Override
    public SchemaFiles.Format convert(String value) {
      for (SchemaFiles.Format f : SchemaFiles.Format.values()) {
        if (f.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-').equals(value)) {
          return f;
        }
      }
      throw new picocli.CommandLine.TypeConversionException(
          "'" + value + "' is not a schema format (json, qemu-json, proto)");
    }
  }
}
