package io.vmstate.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.ram.RamSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link DeviceRegistry} as the destination of a migration.
 *
 * <p>Framed ({@code new RegistryTarget(registry)} as a {@link MigrationTarget}): the pre-flight
 * verdict checks every announced device against the registered description of the same idstr and
 * instance ({@link Preflight}: unknown, duplicate, version window, then the check-compat rules
 * between the source's schema and the local description's), so an incompatible device is named
 * before any state moves. At Complete, all section bodies are loaded in one {@link
 * DeviceRegistry#loadSections}: nothing is applied unless every section decoded, and any failure
 * leaves the registry exactly as it was.
 *
 * <p>Raw: {@link #rawSink} loads a stream into the registry while it arrives (every section must
 * belong to a registered device); {@link #rawSinkViaFile} first receives and verifies the whole
 * stream into a file, so sections of devices that are not registered can be decoded through the
 * vmdesc QEMU sends last ({@link DeviceRegistry.LoadOptions#decodeUnknown}). Both are atomic in the
 * same way.
 */
public final class RegistryTarget implements MigrationTarget {
  private final DeviceRegistry registry;
  private final DeviceRegistry.LoadOptions options;

  /** Loads with QEMU's rules ({@link DeviceRegistry.LoadOptions#DEFAULT}). */
  public RegistryTarget(DeviceRegistry registry) {
    this(registry, DeviceRegistry.LoadOptions.DEFAULT);
  }

  /** Loads into {@code registry} with {@code options} (neither null). */
  public RegistryTarget(DeviceRegistry registry, DeviceRegistry.LoadOptions options) {
    this.registry = checkNotNull(registry, "registry");
    this.options = checkNotNull(options, "options");
  }

  /** What this registry can load: each device's version window and exported schema. */
  public List<DeviceInfo> local() {
    return registry.devices().stream()
        .map(r -> DeviceInfo.of(r.idstr(), r.instanceId(), r.description()))
        .toList();
  }

  @Override
  public List<Problem> preflight(List<DeviceInfo> announced) {
    return Preflight.check(announced, local());
  }

  @Override
  public void apply(List<SectionData> sections) throws VmStateException {
    List<DeviceRegistry.SectionBody> bodies = new ArrayList<>(sections.size());
    for (SectionData s : sections) {
      bodies.add(new DeviceRegistry.SectionBody(s.sectionId(), s.ref(), s.data().toByteArray()));
    }
    registry.loadSections(bodies, options);
  }

  /**
   * A raw sink that loads the stream into {@code registry} as it arrives; the session fails with
   * the load's typed error (and the registry unchanged) if any section does not decode. Every
   * section must belong to a registered device (QEMU sends the vmdesc that would describe the
   * others only after the last section). With {@link DeviceRegistry.LoadOptions#ram} left at {@link
   * RamSink#SKIP}, the destination decodes on its event loop as the buffers arrive ({@link
   * IncrementalDecoder}) and commits once the peer closed the connection after a complete stream;
   * with another RAM sink, it loads on a decoder thread that reads the stream through a pipe.
   */
  public static RawStreamSink rawSink(DeviceRegistry registry, DeviceRegistry.LoadOptions options) {
    checkNotNull(registry, "registry");
    checkNotNull(options, "options");
    if (options.ram() == RamSink.SKIP) {
      return new DecodingReceiver(
          done ->
              new IncrementalDecoder(
                  ReaderOptions.DEFAULT, loadInto(registry, options, false), done, false));
    }
    return (in, sectionDone) -> {
      DeviceRegistry.LoadResult r =
          registry.load(
              new MigrationStreamReader(WireInput.of(in, 256 * 1024), ReaderOptions.DEFAULT),
              options);
      for (int i = 0; i < r.sectionsLoaded(); i++) {
        sectionDone.run();
      }
    };
  }

  /**
   * A raw sink for real QEMU streams: receives into {@code file} and loads into {@code registry}
   * while the stream arrives, as {@link QemuStreamSink#toFile} decodes: registered devices as soon
   * as their sections are in; sections of devices that are not registered (with {@link
   * DeviceRegistry.LoadOptions#decodeUnknown}), and all sections when {@link
   * DeviceRegistry.LoadOptions#crossCheck} asks for the vmdesc, wait for the vmdesc QEMU sends last
   * and are then decoded from the received file. Nothing is applied, and the file is not kept,
   * unless the whole stream decoded; RAM pages are skipped.
   */
  public static RawStreamSink rawSinkViaFile(
      DeviceRegistry registry, DeviceRegistry.LoadOptions options, Path file) {
    checkNotNull(registry, "registry");
    checkNotNull(options, "options");
    return new FileReceiver(
        file,
        done ->
            new IncrementalDecoder(
                ReaderOptions.DEFAULT, loadInto(registry, options, true), done, true),
        RawStreamSink.FileCheck.NONE);
  }

  /** One load into {@code registry}, driven by a decoder; committed at the end of the stream. */
  private static IncrementalDecoder.Sections loadInto(
      DeviceRegistry registry, DeviceRegistry.LoadOptions options, boolean waitForVmdesc) {
    DeviceRegistry.Loading loading = registry.loading(options);
    return new IncrementalDecoder.Sections() {
      @Override
      public void configuration(StreamEvent.Configuration c) throws VmStateException {
        loading.configuration(c);
      }

      @Override
      public boolean device(MigrationStreamReader reader, StreamEvent.Section s)
          throws VmStateException {
        if (waitForVmdesc && options.crossCheck() && reader.vmdesc() == null) {
          return false;
        }
        return loading.section(reader, s);
      }

      @Override
      public void end() throws VmStateException {
        loading.commit();
      }
    };
  }
}
