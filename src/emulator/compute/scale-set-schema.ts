// World-file schema of a virtual machine scale set (Microsoft.Compute/virtualMachineScaleSets, GET shape at
// compute 2026-04-01): what the emulator needs to create Uniform instances, checked with a clear message.
import { z } from 'zod';

const tags = z.record(z.string(), z.string());

const ipConfiguration = z
  .object({
    name: z.string().min(1),
    properties: z
      .object({
        subnet: z.object({ id: z.string().min(1, 'expected a subnet id') }).loose(),
        primary: z.boolean().optional(),
      })
      .loose(),
  })
  .loose();

const nicConfiguration = z
  .object({
    name: z.string().min(1),
    properties: z
      .object({
        primary: z.boolean().optional(),
        enableIPForwarding: z.boolean().optional(),
        ipConfigurations: z.array(ipConfiguration).min(1, 'expected at least one ip configuration'),
      })
      .loose(),
  })
  .loose();

export const scaleSetSchema = z
  .object({
    location: z.string().min(1),
    tags: tags.optional(),
    sku: z
      .object({
        name: z.string().optional(),
        tier: z.string().optional(),
        capacity: z.number().int('expected a whole number of instances').min(0).max(1000),
      })
      .loose(),
    properties: z
      .object({
        orchestrationMode: z
          .enum(['Uniform', 'Flexible'], { error: "expected 'Uniform' or 'Flexible'" })
          .optional(),
        virtualMachineProfile: z
          .object({
            networkProfile: z
              .object({
                networkInterfaceConfigurations: z
                  .array(nicConfiguration)
                  .min(1, 'expected at least one network interface configuration'),
              })
              .loose(),
          })
          .loose()
          .optional(),
      })
      .loose(),
  })
  .loose()
  .refine(
    (s) => s.properties.orchestrationMode === 'Flexible' || s.properties.virtualMachineProfile !== undefined,
    {
      message:
        'a Uniform scale set (the default orchestration mode) needs properties.virtualMachineProfile.networkProfile: its instances are made from it',
      path: ['properties', 'virtualMachineProfile'],
    },
  );
