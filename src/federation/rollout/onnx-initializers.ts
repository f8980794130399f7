/**
 * Reads the float initializers back out of an ONNX ModelProto (https://onnx.ai/onnx/repo-docs/IR.html):
 * a site starts local training from the weights of the version it serves, and a new version keeps
 * its parent's Breslow baseline, both of which live only in the parent's bytes.
 */
import onnxProto from 'onnx-proto';
import { tensor, type Tensor } from '../../modeling/tensor.ts';

const { onnx } = onnxProto;

/** Every FLOAT initializer of the model by name, widened to float64 (int64 shape constants are left out). */
export function readOnnxInitializers(bytes: Uint8Array): Record<string, Tensor> {
  const model = onnx.ModelProto.decode(bytes);
  const out: Record<string, Tensor> = {};
  for (const init of model.graph?.initializer ?? []) {
    if (init.dataType !== onnx.TensorProto.DataType.FLOAT || !init.name) continue;
    const shape = (init.dims ?? []).map((d) => Number(d));
    let values: ArrayLike<number>;
    if (init.rawData && init.rawData.length > 0) {
      // rawData is little-endian float32; copy it so the view is aligned whatever the decoder's offset
      const raw = init.rawData;
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      values = Float64Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
    } else {
      values = init.floatData ?? [];
    }
    out[init.name] = tensor(shape, values);
  }
  return out;
}
