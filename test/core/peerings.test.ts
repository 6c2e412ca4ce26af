// Peerings between the cluster's virtual networks, judged in the pure core (the emulator suites check the same
// through ARM; these pin each problem and message, docs/mutation.md).
import { describe, expect, it } from 'vitest';
import {
  type PeeringRecord,
  peeringFindings,
  peeringRefusal,
  type VnetPeerings,
} from '../../src/core/peerings.js';
import { SUB } from './fixtures.js';

const VNET_A = `${SUB}/Microsoft.Network/virtualNetworks/vnet-east`;
const VNET_B = `${SUB}/Microsoft.Network/virtualNetworks/vnet-west`;

function peering(from: string, to: string, over: Partial<PeeringRecord> = {}): PeeringRecord {
  const name = `${from.split('/').pop()}-to-${to.split('/').pop()}`;
  return {
    id: `${from}/virtualNetworkPeerings/${name}`,
    name,
    remoteVnetId: to,
    peeringState: 'Connected',
    allowVirtualNetworkAccess: true,
    allowForwardedTraffic: true,
    ...over,
  };
}

const bothWays = (aToB: Partial<PeeringRecord> = {}): VnetPeerings[] => [
  { vnetId: VNET_A, peerings: [peering(VNET_A, VNET_B, aToB)] },
  { vnetId: VNET_B, peerings: [peering(VNET_B, VNET_A)] },
];

describe('peerings that carry pod traffic', () => {
  it('two vnets peered both ways, Connected, with access and forwarded traffic: nothing to report', () => {
    expect(peeringFindings(bothWays())).toEqual([]);
  });

  it('ids in another letter case still name the same vnet', () => {
    expect(peeringFindings(bothWays({ remoteVnetId: VNET_B.toUpperCase() }))).toEqual([]);
  });

  it('one vnet listed twice (in two letter cases) is not a pair that needs a peering', () => {
    expect(
      peeringFindings([
        { vnetId: VNET_A, peerings: [] },
        { vnetId: VNET_A.toUpperCase(), peerings: [] },
      ]),
    ).toEqual([]);
  });

  it('a single vnet needs no peering', () => {
    expect(peeringFindings([{ vnetId: VNET_A, peerings: [] }])).toEqual([]);
  });
});

describe('peerings that would drop pod traffic', () => {
  it('no peering from one vnet to the other: the finding names the vnet', () => {
    const findings = peeringFindings([
      { vnetId: VNET_A, peerings: [] },
      { vnetId: VNET_B, peerings: [peering(VNET_B, VNET_A)] },
    ]);
    expect(findings).toEqual([
      {
        subject: VNET_A,
        fromVnetId: VNET_A,
        toVnetId: VNET_B,
        problems: ['no peering to it'],
        message:
          "virtual network 'vnet-east' has no peering to 'vnet-west' would drop pod traffic: no peering to it. " +
          "Peerings are the network team's: not repaired",
      },
    ]);
  });

  it('a peering without a remote vnet leads nowhere', () => {
    const findings = peeringFindings(bothWays({ remoteVnetId: undefined }));
    expect(findings.map((f) => [f.subject, f.problems])).toEqual([[VNET_A, ['no peering to it']]]);
  });

  it('a peering not Connected, without access and forwarded traffic: every problem, in order, on the peering', () => {
    const aToB = peering(VNET_A, VNET_B);
    const findings = peeringFindings(
      bothWays({ peeringState: 'Initiated', allowVirtualNetworkAccess: false, allowForwardedTraffic: false }),
    );
    expect(findings).toEqual([
      {
        subject: aToB.id,
        fromVnetId: VNET_A,
        toVnetId: VNET_B,
        problems: [
          'peeringState is Initiated, not Connected',
          'allowVirtualNetworkAccess is off',
          'allowForwardedTraffic is off (pod IPs are outside the vnet: forwarded traffic)',
        ],
        message:
          "peering 'vnet-east-to-vnet-west' of virtual network 'vnet-east' to 'vnet-west' would drop pod traffic: " +
          'peeringState is Initiated, not Connected; allowVirtualNetworkAccess is off; allowForwardedTraffic is off ' +
          "(pod IPs are outside the vnet: forwarded traffic). Peerings are the network team's: not repaired",
      },
    ]);
  });

  it('each problem alone is reported alone', () => {
    const problems = (over: Partial<PeeringRecord>) => peeringFindings(bothWays(over)).map((f) => f.problems);
    expect(problems({ peeringState: undefined })).toEqual([['peeringState is unknown, not Connected']]);
    expect(problems({ allowVirtualNetworkAccess: false })).toEqual([['allowVirtualNetworkAccess is off']]);
    expect(problems({ allowForwardedTraffic: false })).toEqual([
      ['allowForwardedTraffic is off (pod IPs are outside the vnet: forwarded traffic)'],
    ]);
  });

  it('a finding is reported as a refusal, never repaired', () => {
    const [finding] = peeringFindings(bothWays({ allowForwardedTraffic: false }));
    expect(peeringRefusal(finding!)).toEqual({
      reason: 'peering-drops-pod-traffic',
      subject: finding!.subject,
      message: finding!.message,
    });
  });
});
