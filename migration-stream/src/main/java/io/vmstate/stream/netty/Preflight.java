package io.vmstate.stream.netty;

import io.vmstate.stream.netty.proto.ProblemKind;
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
      } else if (d.version() > mine.version()) {
        problems.add(
            problem(
                d,
                ProblemKind.VERSION_TOO_NEW,
                "sent at version "
                    + d.version()
                    + ", the destination reads at most "
                    + mine.version()));
      } else if (d.version() < mine.minimumVersion()) {
        problems.add(
            problem(
                d,
                ProblemKind.VERSION_TOO_OLD,
                "sent at version "
                    + d.version()
                    + ", the destination reads at least "
                    + mine.minimumVersion()));
      }
    }
    return problems;
  }

  private static Problem problem(DeviceInfo d, ProblemKind kind, String message) {
    return new Problem(d.idstr(), d.instanceId(), kind, message);
  }

  private static String key(DeviceInfo d) {
    return d.idstr() + '\0' + d.instanceId();
  }
}
