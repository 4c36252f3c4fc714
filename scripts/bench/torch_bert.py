#!/usr/bin/env python3
# PyTorch eager forward pass of the bench's random-weight BERT models, for `npm run bench` (scripts/bench/bench.ts).
# Reads model.safetensors (the generator writes the same weights as the ONNX initializers, with Hugging Face's
# names) and config.json, builds BERT by hand from torch.nn.functional (transformers is not installed: Debian
# ships python3-torch only), times the forward pass of the given token ids (median of `reps`), and reports how far
# its last-layer [CLS] vector is from onnxruntime's, as a check that both ran the same model.
# stdin: {"folder", "threads", "reps", "cases": [{"tokens", "ids", "types", "cls"}]}; stdout: one JSON line per case.
import json, math, struct, sys, time
import numpy as np
import torch
import torch.nn.functional as F


def load_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        assert info['dtype'] == 'F32', f'{name}: {info["dtype"]}'
        a, b = info['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np.float32).reshape(info['shape']).copy())
    return out


def main():
    req = json.load(sys.stdin)
    torch.set_num_threads(int(req['threads']))
    folder = req['folder']
    cfg = json.load(open(f'{folder}/config.json'))
    w = load_safetensors(f'{folder}/model.safetensors')
    H, heads, L, eps = cfg['hidden_size'], cfg['num_attention_heads'], cfg['num_hidden_layers'], cfg['layer_norm_eps']
    d = H // heads

    def lin(x, p):
        return F.linear(x, w[p + '.weight'], w[p + '.bias'])

    def forward(ids, types):
        T = ids.shape[1]
        pos = torch.arange(T).unsqueeze(0)
        x = w['embeddings.word_embeddings.weight'][ids] + w['embeddings.position_embeddings.weight'][pos] + w['embeddings.token_type_embeddings.weight'][types]
        x = F.layer_norm(x, (H,), w['embeddings.LayerNorm.weight'], w['embeddings.LayerNorm.bias'], eps)
        for l in range(L):
            p = f'encoder.layer.{l}.'
            q = lin(x, p + 'attention.self.query').view(1, T, heads, d).transpose(1, 2)
            k = lin(x, p + 'attention.self.key').view(1, T, heads, d).transpose(1, 2)
            v = lin(x, p + 'attention.self.value').view(1, T, heads, d).transpose(1, 2)
            probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)
            ctx = (probs @ v).transpose(1, 2).reshape(1, T, H)
            x = F.layer_norm(lin(ctx, p + 'attention.output.dense') + x, (H,), w[p + 'attention.output.LayerNorm.weight'], w[p + 'attention.output.LayerNorm.bias'], eps)
            h = F.gelu(lin(x, p + 'intermediate.dense'))
            x = F.layer_norm(lin(h, p + 'output.dense') + x, (H,), w[p + 'output.LayerNorm.weight'], w[p + 'output.LayerNorm.bias'], eps)
        return x

    reps = int(req['reps'])
    with torch.inference_mode():
        for c in req['cases']:
            ids = torch.tensor([c['ids']], dtype=torch.long)
            types = torch.tensor([c['types']], dtype=torch.long)
            out = forward(ids, types)
            forward(ids, types)
            ts = []
            for _ in range(reps):
                t0 = time.perf_counter()
                forward(ids, types)
                ts.append((time.perf_counter() - t0) * 1000)
            ts.sort()
            diff = float((out[0, 0] - torch.tensor(c['cls'])).abs().max())
            print(json.dumps({'tokens': c['tokens'], 'torch_ms': ts[len(ts) // 2], 'max_abs_diff_cls_vs_onnxruntime': diff,
                              'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)


main()
