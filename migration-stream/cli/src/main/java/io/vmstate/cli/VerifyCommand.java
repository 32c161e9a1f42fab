package io.vmstate.cli;

import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.OutputCheck;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.SectionRoundTrip;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.TypedDescriptions;
import io.vmstate.stream.htab.HtabSink;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSink;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.walk.WalkSink;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
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
      "Walk and decode the whole stream: every section, footer, command, RAM record and the vmdesc;",
      "every device section must encode back to its bytes, and where vmstate-java describes the",
      "device (the GICs), the vmdesc's layout of it must agree with that description.",
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
        // The bundled sample (no FILE) is only walked; a file's sections are also re-encoded.
        FileChannel ch = file == null ? null : FileChannel.open(file);
        Progress progress = Progress.start(src, spec.commandLine().getErr())) {
      ReaderOptions options = Cli.options(descFrom);
      MigrationStreamReader r = src.reader(options).withTypedStandIns();
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
            } else if (s.isWalked()) {
              r.readWalked(WalkSink.SKIP);
            } else {
              VmStateDescription<StateRecord> d;
              StateRecord rec;
              if (r.vmdescEntry(s.section()) == null) {
                // no vmdesc entry: decoded with our typed description where we have one
                rec = r.readDeviceGeneric();
                d = TypedDescriptions.mirror(rec.name());
              } else {
                d = r.schemaFor(s.section());
                rec = new StateRecord(d.name());
                r.readDevice(d, rec);
              }
              if (ch != null) {
                roundTrip(ch, s, r.input().position(), d, rec, r.vmdesc());
              }
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

  /**
   * The section's body decodes and encodes back to the same bytes, and where we have a typed
   * description of the device, the vmdesc's layout of it agrees with ours.
   */
  private static void roundTrip(
      FileChannel ch,
      StreamEvent.Section s,
      long end,
      VmStateDescription<StateRecord> d,
      StateRecord rec,
      Vmdesc vmdesc)
      throws IOException, VmStateException {
    byte[] body = new byte[Math.toIntExact(end - s.bodyOffset())];
    OutputCheck.Bytes.of(ch).read(s.bodyOffset(), body, body.length);
    try {
      SectionRoundTrip.check(s.section(), d, rec, body);
      Map<String, Object> entry =
          vmdesc == null ? null : vmdesc.device(s.section().idstr(), s.section().instanceId());
      VmStateDescription<StateRecord> typed =
          entry == null ? null : TypedDescriptions.mirror(String.valueOf(entry.get("vmsd_name")));
      if (typed == null) {
        return;
      }
      StateRecord t = new StateRecord(typed.name());
      TypedDescriptions.lookup(typed.name()).configure().accept(entry, t);
      VmStateCodec.DEFAULT.load(typed, t, body, s.section().versionId());
      SectionRoundTrip.checkLayout(s.section(), entry, typed, t);
    } catch (VmStateException x) {
      throw x.atOffset(s.bodyOffset()).inSection(s.section());
    }
  }
}
