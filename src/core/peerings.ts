// Pod traffic between workers in different virtual networks crosses a peering, with a source address (a pod IP)
// outside the sending vnet's address space: Azure forwards it only when both peerings are Connected and allow
// virtual network access and forwarded traffic (virtual-network-manage-peering.md; FIELD-NOTES 7). Peerings
// belong to the network team: a peering that would drop pod traffic is a finding naming it, never repaired.
// Pure: plain data in and out.
import type { PeeringFindingRecord as PeeringFinding, Refusal } from './types.js';

export interface PeeringRecord {
  id: string;
  name: string;
  remoteVnetId: string | undefined;
  peeringState: string | undefined;
  allowVirtualNetworkAccess: boolean;
  allowForwardedTraffic: boolean;
}

/** A vnet the cluster's subnets are in, with its peerings as read. */
export interface VnetPeerings {
  vnetId: string;
  peerings: PeeringRecord[];
}

const sameId = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
const nameOf = (id: string) => id.slice(id.lastIndexOf('/') + 1);

function problemsOf(peering: PeeringRecord): string[] {
  const problems: string[] = [];
  if (peering.peeringState !== 'Connected')
    problems.push(`peeringState is ${peering.peeringState ?? 'unknown'}, not Connected`);
  if (!peering.allowVirtualNetworkAccess) problems.push('allowVirtualNetworkAccess is off');
  if (!peering.allowForwardedTraffic)
    problems.push('allowForwardedTraffic is off (pod IPs are outside the vnet: forwarded traffic)');
  return problems;
}

/** Every ordered pair of the cluster's vnets: the peering from the first to the second must carry pod traffic. */
export function peeringFindings(vnets: readonly VnetPeerings[]): PeeringFinding[] {
  const findings: PeeringFinding[] = [];
  for (const from of vnets) {
    for (const to of vnets) {
      if (sameId(from.vnetId, to.vnetId)) continue;
      const peering = from.peerings.find((p) => sameId(p.remoteVnetId, to.vnetId));
      const problems = peering === undefined ? ['no peering to it'] : problemsOf(peering);
      if (problems.length === 0) continue;
      const subject = peering?.id ?? from.vnetId;
      const what =
        peering === undefined
          ? `virtual network '${nameOf(from.vnetId)}' has no peering`
          : `peering '${peering.name}' of virtual network '${nameOf(from.vnetId)}'`;
      findings.push({
        subject,
        fromVnetId: from.vnetId,
        toVnetId: to.vnetId,
        problems,
        message: `${what} to '${nameOf(to.vnetId)}' would drop pod traffic: ${problems.join('; ')}. Peerings are the network team's: not repaired`,
      });
    }
  }
  return findings;
}

/** A finding as the refusal the run reports (plan, apply, the health record): never repaired by us. */
export function peeringRefusal(finding: PeeringFinding): Refusal {
  return { reason: 'peering-drops-pod-traffic', subject: finding.subject, message: finding.message };
}
