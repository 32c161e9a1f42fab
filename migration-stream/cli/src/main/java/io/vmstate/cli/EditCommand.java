package io.vmstate.cli;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.stream.FieldAssignment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate edit IN OUT --set PATH=VALUE...}. */
@Command(
    name = "edit",
    mixinStandardHelpOptions = true,
    description = {
      "Change fields and write the stream again; everything not named stays byte-identical.",
      "Example: --set 'arm_gicv3/cpu[1]/gicr_ipriorityr[3]=0x66'",
      "A path starts with the section's idstr as 'sections' prints it (the longest that fits),"
          + " then @INSTANCE when not 0 and #K for the K-th of repeated sections; the paths"
          + " 'diff' prints are accepted verbatim (docs/cli.md)."
    })
final class EditCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "IN", description = "input " + Cli.STREAM_FILE)
  Path in;

  @Parameters(
      index = "1",
      paramLabel = "OUT",
      description = "output stream file (written whole through a temporary file, or not at all)")
  Path out;

  @Option(
      names = "--set",
      required = true,
      paramLabel = "idstr[@instance][#k]/field/path[i]=VALUE",
      description = "a field to change (repeatable)")
  List<String> sets = new ArrayList<>();

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    List<FieldAssignment> assignments = new ArrayList<>();
    // Paths are parsed against the input's idstrs (the longest that fits), from the vmdesc the
    // copy reads anyway, before anything is written.
    RewriteCommand.Preflight parse =
        vmdesc -> {
          List<String> idstrs = new ArrayList<>();
          for (Object d : vmdesc.devices()) {
            idstrs.add(String.valueOf(((Map<?, ?>) d).get("name")));
          }
          for (String s : sets) {
            try {
              assignments.add(FieldAssignment.parse(s, idstrs));
            } catch (IllegalArgumentException e) {
              throw new CommandLine.ParameterException(
                  spec.commandLine(), "--set " + e.getMessage());
            }
          }
        };
    Set<FieldAssignment> used = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    RewriteCommand.copy(
        in,
        out,
        parse,
        (section, record) -> {
          int occurrence =
              seen.merge(section.instanceId() + ":" + section.idstr(), 1, Integer::sum) - 1;
          for (FieldAssignment a : assignments) {
            if (a.matches(section.idstr(), section.instanceId(), occurrence)) {
              a.apply(record);
              used.add(a);
            }
          }
        },
        null,
        path -> assignments.stream().anyMatch(a -> a.covers(path)),
        spec);
    for (FieldAssignment a : assignments) {
      if (!used.contains(a)) {
        java.nio.file.Files.deleteIfExists(out);
        throw VmStateDecodeException.corrupt(
            "--set "
                + a.section()
                + "/"
                + a.path()
                + ": the stream has no device section "
                + a.section());
      }
    }
    return 0;
  }
}
