package io.vmstate.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.vmstate.api.compat.CompatChecker;
import io.vmstate.api.compat.CompatReport;
import io.vmstate.api.schema.proto.SectionSchema;
import io.vmstate.transport.proto.ProblemKind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The destination's pre-flight rules, applied to the devices a source announces before any state
 * moves: every announced section must be known to the destination, announced once, and encoded at a
 * version inside the destination's window {@code [minimumVersion, version]} (QEMU's loader rule).
 * When both sides carry a schema ({@link DeviceInfo#schema}, a {@link SectionSchema}), the source's
 * schema must also load with the destination's by the rules of {@code vmstate check-compat} ({@link
 * CompatChecker#standard()}: fields in wire order with their sizes and shapes, nested versions,
 * subsections): every error of that check is one problem, naming the device and the field path.
 */
public final class Preflight {
  private Preflight() {}

  /** Problems with {@code offered} against what the destination can load; empty = accept. */
  public static List<Problem> check(Collection<DeviceInfo> offered, Collection<DeviceInfo> local) {
    Map<String, DeviceInfo> byKey = new HashMap<>();
    for (DeviceInfo d : local) {
      byKey.put(key(d), d);
    }
    List<Problem> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (DeviceInfo d : offered) {
      String key = key(d);
      if (!seen.add(key)) {
        problems.add(
            problem(d, ProblemKind.DUPLICATE_SECTION, "announced more than once by the source"));
        continue;
      }
      DeviceInfo mine = byKey.get(key);
      if (mine == null) {
        problems.add(
            problem(
                d,
                ProblemKind.UNKNOWN_SECTION,
                "unknown section: the destination has no device with this idstr and instance"));
      } else if (mine.versions().isBelow(d.version())) {
        problems.add(
            problem(
                d,
                ProblemKind.VERSION_TOO_NEW,
                "sent at version "
                    + d.version()
                    + ", the destination reads at most "
                    + mine.version()));
      } else if (mine.versions().isAbove(d.version())) {
        problems.add(
            problem(
                d,
                ProblemKind.VERSION_TOO_OLD,
                "sent at version "
                    + d.version()
                    + ", the destination reads at least "
                    + mine.minimumVersion()));
      } else if (!d.schema().isEmpty() && !mine.schema().isEmpty()) {
        compat(d, mine, problems);
      }
    }
    return problems;
  }

  /** The check-compat rules between the source's schema and the destination's. */
  private static void compat(DeviceInfo offered, DeviceInfo mine, List<Problem> problems) {
    SectionSchema theirs;
    SectionSchema ours;
    try {
      theirs = parse(offered.schema());
      ours = parse(mine.schema());
    } catch (InvalidProtocolBufferException e) {
      problems.add(
          problem(
              offered,
              ProblemKind.INCOMPATIBLE_SCHEMA,
              "unreadable schema (" + e.getMessage() + ")"));
      return;
    }
    CompatReport report =
        CompatChecker.standard().check(theirs.getDescription(), ours.getDescription());
    for (io.vmstate.api.compat.Problem p : report.problems()) {
      if (p.isError()) {
        problems.add(
            problem(
                offered,
                ProblemKind.INCOMPATIBLE_SCHEMA,
                (p.path().isEmpty() ? "" : p.path() + ": ") + p.message()));
      }
    }
  }

  private static SectionSchema parse(ByteString bytes) throws InvalidProtocolBufferException {
    return SectionSchema.parseFrom(bytes);
  }

  private static Problem problem(DeviceInfo d, ProblemKind kind, String message) {
    return new Problem(d.idstr(), d.instanceId(), kind, message);
  }

  private static String key(DeviceInfo d) {
    return d.idstr() + '\0' + d.instanceId();
  }
}
