/**
 * Class icons, bundled as files (not data: URLs) so a strict `img-src 'self'` allows them.
 */
import type { DeviceClass } from '../../../main/core/graph/device-class.ts';
import accelerator from './icons/accelerator.svg';
import audio from './icons/audio.svg';
import bridge from './icons/bridge.svg';
import gpu from './icons/gpu.svg';
import hostBridge from './icons/host-bridge.svg';
import host from './icons/host.svg';
import isa from './icons/isa.svg';
import media from './icons/media.svg';
import nic from './icons/nic.svg';
import nvme from './icons/nvme.svg';
import other from './icons/other.svg';
import rootComplex from './icons/root-complex.svg';
import sata from './icons/sata.svg';
import serial from './icons/serial.svg';
import smbus from './icons/smbus.svg';
import storage from './icons/storage.svg';
import system from './icons/system.svg';
import unknown from './icons/unknown.svg';
import usb from './icons/usb.svg';

export type IconName = DeviceClass | 'host' | 'root-complex';

export const ICONS: Record<IconName, string> = {
  accelerator, audio, bridge, gpu, 'host-bridge': hostBridge, host, isa, media, nic, nvme, other,
  'root-complex': rootComplex, sata, serial, smbus, storage, system, unknown, usb,
};
