package io.vmstate.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import io.netty.buffer.ByteBuf;
import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.htab.HtabSink;
import io.vmstate.stream.ram.RamSection;
import io.vmstate.stream.ram.RamSink;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import io.vmstate.stream.walk.WalkSink;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Decodes a QEMU migration stream as it arrives, one received buffer at a time ({@link #feed}, on
 * the event loop), with the same {@link MigrationStreamReader} and {@link RamSection} that read
 * files: no second parser of the format.
 *
 * <p>Bytes that are not RAM page contents are gathered in a small window and handed to the reader
 * as a {@link WireInput#prefix} that starts at their stream offset (a look-ahead past the bytes in,
 * e.g. for an optional subsection, is a truncation, not the end of the section). An item (a header,
 * a RAM record, a device section body, a footer) that the window cuts short fails with a
 * truncation; the reader is rolled back to the item's start ({@link MigrationStreamReader#reset})
 * and the item is read again once at least twice as many bytes are in, or at the end of a received
 * buffer once a quarter more bytes than at the last try are in: every retry of an item reads it
 * from its start, so the retries' sizes grow geometrically and an item costs time linear in its
 * size whatever the buffer sizes ({@link #parsedBytes()}; a retry per buffer made a stream arriving
 * one byte at a time quadratic). A RAM {@code PAGE} record is read up to its header; its page bytes
 * are then skipped where they lie in the received buffers, never copied. A page that continues its
 * block (nearly every record of a stream) is taken straight from the received buffer ({@link
 * RamSection#continuedPage}). Any error other than a truncation is final at once; a truncation is
 * final when the stream ended ({@link #finish()}).
 *
 * <p>A device section is decoded as soon as its bytes are in if {@link Sections#device} can decode
 * it without the stream's vmdesc. A real QEMU stream sends the vmdesc last, after EOF; a section
 * that needs it stops the decoding here ({@link #deferred()}), and {@link #finish(Path)} decodes
 * the rest of the stream from the received file, with the vmdesc found at its end.
 *
 * <p>Not thread-safe: one thread feeds (the event loop), and the one that finishes must see its
 * writes (an executor hand-off does).
 */
final class IncrementalDecoder {
  /** What the decoder does with the sections it reads. */
  interface Sections {
    /** The configuration section. */
    default void configuration(StreamEvent.Configuration c) throws VmStateException {}

    /**
     * Decodes the body of device section {@code s} (never RAM) from {@code reader}; returns false,
     * having read nothing, when that needs the stream's vmdesc and {@code reader.vmdesc()} is null.
     */
    boolean device(MigrationStreamReader reader, StreamEvent.Section s) throws VmStateException;

    /** The whole stream decoded. */
    default void end() throws VmStateException {}

    /** Decodes a device section through the vmdesc once it is there, else waits for it. */
    Sections VMDESC =
        (reader, s) -> {
          if (reader.vmdesc() == null) {
            return false;
          }
          reader.readDeviceGeneric();
          return true;
        };
  }

  /**
   * Whether what was received is a QEMU migration stream that arrived whole, so that an error other
   * than a truncation means part of it cannot be decoded rather than that it was cut short: its
   * header was read, and the stream did not end without the vmdesc it needed (a cut stream and a
   * stream sent with suppress-vmdesc cannot be told apart).
   */
  boolean arrivedWhole(VmStateException failure) {
    return headerRead
        && !vmdescMissing
        && !(failure instanceof VmStateDecodeException d && d.isTruncation());
  }

  /** The first attempt at an item gathers this many bytes (a RAM record header fits). */
  static final int FIRST_TRY = 64;

  private static final int SMALL_WINDOW = 4096;

  private final MigrationStreamReader reader;
  private boolean headerRead;
  private boolean vmdescMissing;
  private final ReaderOptions options;
  private final Sections sections;
  private final Runnable sectionDone;
  private final boolean canDefer;
  private final int maxItem;
  private byte[] window = new byte[SMALL_WINDOW];
  private int winLen;
  private long winPos;
  private int want = FIRST_TRY;
  private int tried;
  private long skip;
  private boolean inRam;
  private SectionRef ramSection;
  private boolean done;
  private long deferredAt = -1;
  private long received;
  private long parsedBytes;

  /**
   * @param canDefer whether sections that need the vmdesc may wait for {@link #finish(Path)} (the
   *     stream is also written to a file); if not, such a section fails the decoding
   * @param sectionDone called once per device section decoded (after its footer)
   */
  IncrementalDecoder(
      ReaderOptions options, Sections sections, Runnable sectionDone, boolean canDefer) {
    this.options = checkNotNull(options, "options");
    this.reader = new MigrationStreamReader(WireInput.of(new byte[0]), options);
    this.sections = checkNotNull(sections, "sections");
    this.sectionDone = checkNotNull(sectionDone, "sectionDone");
    this.canDefer = canDefer;
    this.maxItem = (int) Math.min(Integer.MAX_VALUE - 64, options.maxVmdescBytes() + 64L);
  }

  /** Bytes fed so far. */
  long received() {
    return received;
  }

  /**
   * Bytes the reader went through over all attempts (an item read whole, or every byte in when it
   * was cut short and rolled back): the decoding work, which stays within a constant factor of the
   * non-page bytes received whatever the buffer sizes.
   */
  long parsedBytes() {
    return parsedBytes;
  }

  /** Whether the stream has been decoded to its end (its vmdesc trailer, or the end of input). */
  boolean done() {
    return done;
  }

  /** Where decoding stopped to wait for the vmdesc (a section's first byte), or -1. */
  long deferred() {
    return deferredAt;
  }

  /** Decodes what {@code buf}'s readable bytes complete; {@code buf} is left unchanged. */
  void feed(ByteBuf buf) throws VmStateException {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    received += end - i;
    while (i < end && deferredAt < 0) {
      if (skip > 0) {
        int k = (int) Math.min(skip, end - i);
        i += k;
        skip -= k;
        winPos += k;
        continue;
      }
      if (inRam
          && winLen == 0
          && end - i >= 8
          && reader.ram() != null
          && reader.ram().continuedPage(buf.getLong(i))) {
        // the bulk of a stream: a page continuing its block, taken where it lies in the buffer
        i += 8;
        winPos += 8;
        skip = reader.ram().pageSize();
        continue;
      }
      int k = Math.min(want - winLen, end - i);
      if (winLen + k > window.length) {
        byte[] bigger = new byte[Math.max(winLen + k, Math.min(maxItem, window.length * 2))];
        System.arraycopy(window, 0, bigger, 0, winLen);
        window = bigger;
      }
      buf.getBytes(i, window, winLen, k);
      winLen += k;
      i += k;
      if (winLen >= want) {
        parse(false);
      }
    }
    if (deferredAt < 0 && winLen - tried > tried / 4) {
      // the buffer ended inside an item: try it with what is in, once a quarter more bytes than
      // at the last try are in (each retry reads the item from its start, so retrying after every
      // small buffer would make an item arriving in tiny pieces cost quadratic time)
      parse(false);
    }
  }

  /**
   * The stream ended cleanly and was not {@link #deferred()}: decodes what is left. A stream cut
   * short fails with the reader's typed truncation error.
   */
  void finish() throws VmStateException {
    if (deferredAt >= 0) {
      throw new IllegalStateException("decoding waits for the vmdesc: finish(file)");
    }
    if (skip > 0) {
      throw pageTruncated();
    }
    parse(true);
    sections.end();
  }

  /**
   * The stream ended cleanly and all of it is in {@code file}: decodes what is left, from the
   * received buffers or, after a section that waited for the vmdesc, from the file with the vmdesc
   * found at its end.
   */
  void finish(Path file) throws VmStateException, IOException {
    if (deferredAt < 0) {
      finish();
      return;
    }
    long from = deferredAt;
    Vmdesc v = VmdescLocator.locate(file, options.maxVmdescBytes());
    if (v == null) {
      vmdescMissing = true;
      throw VmStateDecodeException.corrupt(
              "the stream ended without its vmdesc trailer (truncated, or sent with"
                  + " suppress-vmdesc), so the device section at byte "
                  + from
                  + " and those after it cannot be decoded")
          .atOffset(Files.size(file));
    }
    reader.useVmdesc(v);
    try (InputStream s = Files.newInputStream(file)) {
      s.skipNBytes(from);
      WireInput in = WireInput.of(s, 256 * 1024, from);
      reader.resume(in);
      deferredAt = -1;
      while (!done) {
        if (!step()) {
          throw needsVmdesc();
        }
        if (skip > 0) {
          in.skip(skip);
          skip = 0;
        }
      }
    } catch (java.io.EOFException e) {
      throw VmStateDecodeException.truncated(Files.size(file), 1);
    }
    sections.end();
  }

  private void parse(boolean last) throws VmStateException {
    while (deferredAt < 0 && (winLen > 0 || (last && !done))) {
      WireInput in =
          last
              ? WireInput.of(window, 0, winLen, winPos)
              : WireInput.prefix(window, 0, winLen, winPos);
      reader.resume(in);
      MigrationStreamReader.Mark mark = reader.mark();
      boolean wasInRam = inRam;
      try {
        if (!step()) {
          reader.reset(mark);
          inRam = wasInRam;
          if (!canDefer) {
            throw needsVmdesc();
          }
          deferredAt = winPos;
          winLen = 0;
          window = new byte[0];
          return;
        }
      } catch (VmStateDecodeException e) {
        if (last || !e.isTruncation()) {
          throw e;
        }
        reader.reset(mark);
        inRam = wasInRam;
        parsedBytes += winLen;
        tried = winLen;
        if (winLen >= maxItem) {
          if (canDefer) {
            deferredAt = winPos;
            winLen = 0;
            window = new byte[0];
            return;
          }
          throw VmStateDecodeException.limitExceeded("bytes of one stream item", winLen, maxItem)
              .atOffset(winPos);
        }
        want = (int) Math.min(maxItem, Math.max(FIRST_TRY, 2L * winLen));
        return;
      }
      parsedBytes += in.position() - winPos;
      consume((int) (in.position() - winPos));
      if (skip > 0) {
        int k = (int) Math.min(skip, winLen);
        consume(k);
        skip -= k;
        if (skip > 0 && last) {
          throw pageTruncated();
        }
      }
      want = FIRST_TRY;
      tried = 0;
      if (winLen == 0 && window.length > SMALL_WINDOW) {
        window = new byte[SMALL_WINDOW];
      }
    }
  }

  private VmStateDecodeException pageTruncated() {
    return VmStateDecodeException.truncated(winPos, skip)
        .inField("page@0x" + Long.toHexString(reader.ram().pageAddr()))
        .inSection(ramSection);
  }

  private VmStateDecodeException needsVmdesc() {
    return VmStateDecodeException.corrupt(
            "a device section without a registered description can only be decoded with the"
                + " stream's vmdesc, which QEMU sends after the last section: receive into a"
                + " file to decode it")
        .atOffset(winPos);
  }

  private void consume(int n) {
    System.arraycopy(window, n, window, 0, winLen - n);
    winLen -= n;
    winPos += n;
  }

  /** Reads one item from the reader's input; false: a device section needs the vmdesc. */
  private boolean step() throws VmStateException {
    if (inRam) {
      RamSection.Record r = reader.readRamRecord(RamSink.SKIP);
      if (r == RamSection.Record.PAGE) {
        skip = reader.ram().pageSize();
      } else if (r == RamSection.Record.EOS) {
        inRam = false;
      }
      return true;
    }
    StreamEvent e = reader.next();
    if (e instanceof StreamEvent.Header) {
      headerRead = true;
    }
    if (e == null || e instanceof StreamEvent.VmDescription) {
      done = true; // bytes after the trailer still fail: the reader refuses them
    } else if (e instanceof StreamEvent.Section s) {
      if (s.isRam()) {
        inRam = true;
        ramSection = s.section();
      } else if (s.isHtab()) {
        reader.readHtab(HtabSink.SKIP);
      } else if (s.isWalked()) {
        reader.readWalked(WalkSink.SKIP);
      } else {
        return sections.device(reader, s);
      }
    } else if (e instanceof StreamEvent.Configuration c) {
      sections.configuration(c);
    } else if (e instanceof StreamEvent.Footer f && !f.section().isRam()) {
      sectionDone.run();
    }
    return true;
  }
}
