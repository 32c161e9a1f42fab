package io.vmstate.cli;

import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.htab.HtabSink;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSink;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate verify FILE}. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Walk and decode the whole stream: every section, footer, command, RAM record and the vmdesc.",
      "Exit 0 with a JSON summary, or exit 1 with the byte offset, section and field path of the"
          + " first problem."
    })
final class VerifyCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = Cli.STREAM_FILE)
  Path file;

  @Option(names = "--desc-from", paramLabel = "FILE", description = Cli.DESC_FROM)
  Path descFrom;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    long[] counts = new long[4];
    try (StreamSource src = Cli.open(file);
        Progress progress = Progress.start(src, spec.commandLine().getErr())) {
      ReaderOptions options = Cli.options(descFrom);
      MigrationStreamReader r = src.reader(options);
      progress.track(r);
      RamSink pages =
          new RamSink() {
            @Override
            public void zeroPage(RamBlock b, long addr, boolean c, int fill) {
              counts[2]++;
            }

            @Override
            public void page(RamBlock b, long addr, boolean c, WireInput in, int size)
                throws VmStateException {
              counts[3]++;
              in.skip(size);
            }
          };
      try {
        for (StreamEvent e = r.next(); e != null; e = r.next()) {
          if (e instanceof StreamEvent.Section s) {
            counts[0]++;
            if (s.isRam()) {
              r.readRam(pages);
            } else if (s.isHtab()) {
              r.readHtab(HtabSink.SKIP);
            } else {
              VmStateDescription<StateRecord> d = r.schemaFor(s.section());
              r.readDevice(d, new StateRecord(d.name()));
              counts[1]++;
            }
          }
        }
      } catch (VmStateException x) {
        return Cli.reportBreak(src, x, spec.commandLine().getErr());
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "{\"file\": \"%s\", \"ok\": true, \"bytes\": %d, \"sections\": %d, \"devices\": %d,"
              + " \"zero_pages\": %d, \"pages\": %d}%n",
          src.name().replace("\\", "\\\\").replace("\"", "\\\""),
          r.input().position(),
          counts[0],
          counts[1],
          counts[2],
          counts[3]);
      out.flush();
    }
    return 0;
  }
}
