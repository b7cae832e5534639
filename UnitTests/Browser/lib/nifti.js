'use strict';

// Writes small NIfTI-1 single files (.nii) for the tests: a 348-byte header,
// 4 bytes of extension flag, then the voxels (little endian).

const zlib = require('node:zlib');

const DATA_TYPES = {
  uint8: { code: 2, bits: 8, write: (b, o, v) => b.writeUInt8(v & 0xff, o) },
  int16: { code: 4, bits: 16, write: (b, o, v) => b.writeInt16LE(v, o) },
  float32: { code: 16, bits: 32, write: (b, o, v) => b.writeFloatLE(v, o) },
  float64: { code: 64, bits: 64, write: (b, o, v) => b.writeDoubleLE(v, o) },
  // value: a number (grey) or [r, g, b]
  rgb24: {
    code: 128, bits: 24,
    write: (b, o, v) => (Array.isArray(v) ? v : [v, v, v]).forEach((c, k) => b.writeUInt8(c & 0xff, o + k)),
  },
};

// dims: [nx, ny, nz] or [nx, ny, nz, nt]; spacing: [dx, dy, dz];
// rows: the sform's three rows (default: an axial grid centred on the origin)
function makeNifti({ dims = [8, 8, 4], spacing = [1, 1, 1], dataType = 'int16', description = '',
                     value = (i) => i % 1000, rows = null } = {}) {
  const type = DATA_TYPES[dataType];
  if (!type) {
    throw new Error('Unknown data type ' + dataType);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const bytesPerVoxel = type.bits / 8;
  const voxOffset = 352;
  const buffer = Buffer.alloc(voxOffset + count * bytesPerVoxel);

  buffer.writeInt32LE(348, 0);                        // sizeof_hdr
  buffer.writeInt16LE(dims.length, 40);               // dim[0]
  for (let i = 0; i < 7; i++) {
    buffer.writeInt16LE(i < dims.length ? dims[i] : 1, 42 + 2 * i);
  }
  buffer.writeInt16LE(type.code, 70);                 // datatype
  buffer.writeInt16LE(type.bits, 72);                 // bitpix
  buffer.writeFloatLE(1, 76);                         // pixdim[0] = qfac
  for (let i = 0; i < 3; i++) {
    buffer.writeFloatLE(spacing[i], 80 + 4 * i);
  }
  buffer.writeFloatLE(dims.length > 3 ? 2 : 0, 92);   // pixdim[4]: TR in seconds
  buffer.writeFloatLE(voxOffset, 108);                // vox_offset
  buffer.writeFloatLE(1, 112);                        // scl_slope
  buffer.writeFloatLE(0, 116);                        // scl_inter
  buffer.writeUInt8(2 | 8, 123);                      // xyzt_units: mm, s
  buffer.write(description.slice(0, 79), 148, 'latin1');  // descrip
  buffer.writeInt16LE(0, 252);                        // qform_code
  buffer.writeInt16LE(1, 254);                        // sform_code: scanner
  // srow_x, srow_y, srow_z: a plain axial grid centred on the origin
  rows = rows || [
    [spacing[0], 0, 0, -spacing[0] * dims[0] / 2],
    [0, spacing[1], 0, -spacing[1] * dims[1] / 2],
    [0, 0, spacing[2], -spacing[2] * dims[2] / 2],
  ];
  rows.forEach((row, r) => row.forEach((v, c) => buffer.writeFloatLE(v, 280 + 16 * r + 4 * c)));
  buffer.write('n+1\0', 344, 'latin1');               // magic

  for (let i = 0; i < count; i++) {
    type.write(buffer, voxOffset + i * bytesPerVoxel, value(i));
  }
  return buffer;
}

function gzip(buffer) {
  return zlib.gzipSync(buffer);
}

module.exports = { makeNifti, gzip };
