package io.vmstate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.VmStateException;
import io.vmstate.dump.PythonJson;
import io.vmstate.dump.StateDump;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamSource;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code vmstate dump}: the JSON QEMU's analyze-migration.py prints. */
@Command(
    name = "dump",
    mixinStandardHelpOptions = true,
    description = {
      "Print a stream as QEMU's scripts/analyze-migration.py prints it (-d state, -d desc, -m).",
      "Without FILE, dumps a real QEMU 7.2 stream bundled with the tool.",
      "A broken stream (cut, or a section without a description) still prints one complete JSON"
          + " document with every section decoded before the break, and exits 1 naming the break"
          + " on stderr."
    })
final class DumpCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "FILE",
      description = Cli.STREAM_FILE + "; without it, the bundled sample")
  Path file;

  @Option(names = "--desc-from", paramLabel = "FILE", description = Cli.DESC_FROM)
  Path descFrom;

  @Option(
      names = {"-d", "--desc"},
      description = "print the stream's vmdesc (VM description) instead of the state")
  boolean desc;

  @Option(
      names = {"-m", "--memory"},
      description = "also print RAM contents")
  boolean memory;

  @Option(
      names = "--schema",
      paramLabel = "vmdesc|typed",
      description =
          "descriptions that decode devices: vmdesc (the stream's own) or typed (ours where we have"
              + " them, the vmdesc elsewhere; default)")
  String schema = "typed";

  @Mixin UserDescriptions userDescriptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @ParentCommand VmStateCli parent;

  @Override
  public Integer call() throws Exception {
    StateDump.Schema s =
        switch (schema) {
          case "vmdesc" -> StateDump.Schema.VMDESC;
          case "typed" -> StateDump.Schema.TYPED;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  spec.commandLine(), "--schema must be vmdesc or typed, not '" + schema + "'");
        };
    if (s == StateDump.Schema.TYPED) {
      userDescriptions.load();
    }
    PrintWriter out = spec.commandLine().getOut();
    OutputStream bytes = parent.bytesOut(out);
    try (StreamSource src = Cli.open(file);
        Progress progress = Progress.start(src, spec.commandLine().getErr())) {
      ReaderOptions options = Cli.options(descFrom);
      JsonGenerator g = bytes != null ? PythonJson.generator(bytes) : PythonJson.generator(out);
      if (desc) {
        if (src.vmdesc() == null && options.vmdesc() == null) {
          Cli.requireVmdesc(src);
        }
        PythonJson.writeTree(g, (src.vmdesc() != null ? src.vmdesc() : options.vmdesc()).root());
        g.writeRaw('\n');
        g.flush();
        return 0;
      }
      MigrationStreamReader r = src.reader(options).withTypedStandIns();
      progress.track(r);
      VmStateException brk = new StateDump(r, g, memory, s).runToBreak();
      g.writeRaw('\n');
      g.flush();
      if (brk != null) {
        return Cli.reportBreak(src, brk, spec.commandLine().getErr());
      }
    }
    return 0;
  }
}
