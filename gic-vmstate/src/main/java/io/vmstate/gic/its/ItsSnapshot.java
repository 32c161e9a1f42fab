package io.vmstate.gic.its;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the ITS and the redistributors keep in guest memory, reconstructed: device → event →
 * LPI + collection, collection → redistributor, LPI properties and per-redistributor pending LPIs.
 * {@link #toMap()} gives a plain Map/List/String/Number tree that any JSON writer prints (the
 * {@code vmstate its} command).
 *
 * @param layout the table layout the tables were read with
 * @param tables devices and collections
 * @param redistributors the CPUs collections may target, with their affinity
 * @param lpiProperties properties of the LPIs that are mapped or enabled
 * @param pending per redistributor, the LPIs whose pending bit is set
 */
public record ItsSnapshot(
    String layout,
    ItsTables tables,
    List<Redistributor> redistributors,
    List<LpiProperty> lpiProperties,
    List<PendingLpis> pending) {

  /** A CPU: its number and MPIDR affinity (IROUTER packing). */
  public record Redistributor(int cpu, long affinity) {}

  /** One LPI's configuration byte: priority (bits 7:2) and enable (bit 0). */
  public record LpiProperty(int lpi, int priority, boolean enabled) {}

  /** The pending table of one redistributor. */
  public record PendingLpis(int cpu, long tableAddress, List<Integer> lpis) {}

  /** The snapshot as nested ordered maps and lists, for JSON output. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("layout", layout);
    List<Object> devs = new ArrayList<>();
    for (ItsDevice d : tables.devices()) {
      Map<String, Object> dm = new LinkedHashMap<>();
      dm.put("device_id", d.deviceId());
      dm.put("itt_address", hex(d.ittAddress()));
      dm.put("event_id_bits", d.eventIdBits());
      List<Object> evs = new ArrayList<>();
      for (ItsEvent e : d.events()) {
        Map<String, Object> em = new LinkedHashMap<>();
        em.put("event_id", e.eventId());
        em.put(e.isVirtual() ? "vintid" : "lpi", e.intid());
        em.put("icid", e.icid());
        if (e.isVirtual()) {
          em.put("vpe_id", e.vpeId());
        } else {
          ItsCollection c = tables.collection(e.icid());
          if (c != null && c.isMapped()) {
            em.put("target_cpu", c.targetCpu());
          }
        }
        evs.add(em);
      }
      dm.put("events", evs);
      devs.add(dm);
    }
    m.put("devices", devs);
    List<Object> cols = new ArrayList<>();
    for (ItsCollection c : tables.collections()) {
      Map<String, Object> cm = new LinkedHashMap<>();
      cm.put("icid", c.icid());
      if (c.isMapped()) {
        cm.put("target_cpu", c.targetCpu());
        for (Redistributor r : redistributors) {
          if (r.cpu() == c.targetCpu()) {
            cm.put("target_affinity", hex(r.affinity()));
          }
        }
      } else {
        cm.put("target_cpu", null);
      }
      cols.add(cm);
    }
    m.put("collections", cols);
    List<Object> props = new ArrayList<>();
    for (LpiProperty p : lpiProperties) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("lpi", p.lpi());
      pm.put("priority", p.priority());
      pm.put("enabled", p.enabled());
      props.add(pm);
    }
    m.put("lpi_properties", props);
    List<Object> pend = new ArrayList<>();
    for (PendingLpis p : pending) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("cpu", p.cpu());
      pm.put("pending_table", hex(p.tableAddress()));
      pm.put("lpis", p.lpis());
      pend.add(pm);
    }
    m.put("pending", pend);
    return m;
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
