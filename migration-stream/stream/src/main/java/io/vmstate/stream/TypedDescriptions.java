package io.vmstate.stream;

import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.Nullable;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.GenericBinding;
import io.vmstate.codec.StateRecord;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Our own (typed) descriptions of QEMU devices, looked up by vmsd name, for {@code dump --schema
 * typed} and for cross-checking them against the vmdesc of real streams. Descriptions are
 * contributed by {@link Provider}s found with {@link ServiceLoader} (a module lists its provider in
 * {@code META-INF/services/io.vmstate.stream.TypedDescriptions$Provider}) or registered directly.
 *
 * <p>A typed description decodes into the generic tree through {@link GenericBinding#mirror}, so
 * its values can be compared with the vmdesc decoding field by field. Counts that are configuration
 * (such as a GICv3's number of CPUs) are set on the record by the entry's {@code configure} hook,
 * which sees the device's vmdesc entry.
 */
public final class TypedDescriptions {
  /**
   * A typed description, how to configure a record before loading with it, and the key its schema
   * goes under in {@code vmstate schema} (QEMU's {@code -dump-vmstate} keys devices by class name,
   * e.g. {@code arm-gicv3} for the vmsd {@code arm_gicv3}).
   */
  public record Entry(
      VmStateDescription<?> description,
      Configure configure,
      String schemaKey,
      SearchedCount searched) {
    public Entry {
      checkNotNull(description, "description");
      checkNotNull(configure, "configure");
      checkNotNull(schemaKey, "schemaKey");
    }

    /** An entry without a {@link SearchedCount}. */
    public Entry(VmStateDescription<?> description, Configure configure, String schemaKey) {
      this(description, configure, schemaKey, null);
    }

    /** An entry whose schema key is the vmsd name. */
    public Entry(VmStateDescription<?> description, Configure configure) {
      this(description, configure, checkNotNull(description, "description").name());
    }

    /** This entry, with {@code s} telling how its configuration is found without a vmdesc. */
    public Entry withSearchedCount(SearchedCount s) {
      return new Entry(description, configure, schemaKey, checkNotNull(s, "searched"));
    }
  }

  /**
   * How a configuration count that {@link Configure} takes from the vmdesc is found when the stream
   * has none (a cut, postcopy, suppress-vmdesc or device-state-only stream): the values {@code
   * min..max} are tried in turn, and the section is decoded with the first one whose decoding ends
   * exactly at the section's footer and encodes back to the same bytes ({@link TypedStandIn}). Only
   * streams with section footers can be read this way.
   *
   * @param config the record configuration key ({@link StateRecord#setConfig})
   */
  public record SearchedCount(String config, int min, int max) {
    public SearchedCount {
      checkNotNull(config, "config");
      com.google.common.base.Preconditions.checkArgument(
          min >= 0 && max >= min, "count window %s..%s", min, max);
    }
  }

  /**
   * Sets the configuration counts of a record about to be decoded, from the device's vmdesc entry;
   * fails when the entry does not allow it.
   */
  @FunctionalInterface
  public interface Configure {
    /**
     * Sets {@code record}'s configuration counts from {@code vmdescEntry}; throws when the entry
     * does not allow it.
     */
    void accept(Map<String, Object> vmdescEntry, StateRecord record) throws VmStateException;

    /** For descriptions without configuration counts. */
    Configure NONE = (entry, record) -> {};
  }

  /** Contributes descriptions; implementations need a public no-argument constructor. */
  public interface Provider {
    /** The descriptions this provider contributes. */
    List<Entry> descriptions();
  }

  private static final Map<String, Entry> ENTRIES = new ConcurrentHashMap<>();
  private static final Map<String, VmStateDescription<StateRecord>> MIRRORS =
      new ConcurrentHashMap<>();

  static {
    for (Provider p : ServiceLoader.load(Provider.class)) {
      for (Entry e : p.descriptions()) {
        register(e);
      }
    }
  }

  private TypedDescriptions() {}

  /** Registers (or replaces) the description for its vmsd name. */
  public static void register(Entry e) {
    ENTRIES.put(e.description().name(), e);
    MIRRORS.remove(e.description().name());
  }

  /** Removes the description for a vmsd name, if any (a tool forgetting what a run loaded). */
  public static void unregister(String vmsdName) {
    ENTRIES.remove(vmsdName);
    MIRRORS.remove(vmsdName);
  }

  /** The entry for a vmsd name, or null. */
  public static @Nullable Entry lookup(String vmsdName) {
    return ENTRIES.get(vmsdName);
  }

  /**
   * The generic twin of the typed description for {@code vmsdName}, or null when there is none or
   * the mirror cannot express it (then the vmdesc is used).
   */
  public static @Nullable VmStateDescription<StateRecord> mirror(String vmsdName) {
    Entry e = ENTRIES.get(vmsdName);
    if (e == null) {
      return null;
    }
    try {
      return MIRRORS.computeIfAbsent(vmsdName, n -> GenericBinding.mirror(e.description()));
    } catch (IllegalArgumentException unsupported) {
      return null;
    }
  }

  /**
   * Loads the providers and builds every mirror now. Building the descriptions (the GICs' above
   * all) is a good part of a short command's run, so the CLI starts this on a second thread while
   * it parses the command line; a failure here is left for the command itself to meet and report.
   */
  public static void prepare() {
    for (String n : ENTRIES.keySet()) {
      mirror(n);
    }
  }

  /** Names with a typed description. */
  public static java.util.Set<String> names() {
    return java.util.Set.copyOf(ENTRIES.keySet());
  }
}
