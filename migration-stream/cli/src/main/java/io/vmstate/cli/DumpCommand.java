package io.vmstate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
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
      "Without FILE, dumps a real QEMU 7.2 stream bundled with the tool."
    })
final class DumpCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "stream file")
  Path file;

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
    PrintWriter out = spec.commandLine().getOut();
    OutputStream bytes = parent.bytesOut(out);
    try (StreamSource src = Cli.open(file);
        Progress progress = Progress.start(src, spec.commandLine().getErr())) {
      JsonGenerator g = bytes != null ? PythonJson.generator(bytes) : PythonJson.generator(out);
      Cli.requireVmdesc(src);
      if (desc) {
        PythonJson.writeTree(g, src.vmdesc().root());
      } else {
        MigrationStreamReader r = src.reader(ReaderOptions.DEFAULT);
        progress.track(r);
        new StateDump(r, g, memory, s).run();
      }
      g.writeRaw('\n');
      g.flush();
    }
    return 0;
  }
}
