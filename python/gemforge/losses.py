"""Fused losses of the `gemforge` op namespace (csrc/ops/loss.cpp), with autograd.

    loss = gemforge.cross_entropy(logits, target)   # logits [tokens, vocab], target int64 [tokens]
    loss.backward()

cross_entropy never materializes the softmax: the forward reads each row once (online max and
log-sum-exp, the target logit) and keeps one fp32 log-sum-exp per row; the backward writes
grad_logits = softmax - onehot (with label smoothing: softmax - (1 - eps) * onehot - eps / V),
scaled by the incoming gradient, in the logits dtype. The same ops run on CUDA tensors and, under
Triton's interpreter, on CPU tensors; they need no gemforge.enable().
"""
import torch

__all__ = ["cross_entropy"]

_ops = torch.ops.gemforge


class _CrossEntropy(torch.autograd.Function):

    @staticmethod
    def forward(ctx, logits, target, ignore_index, reduction, label_smoothing):
        loss, lse, count = _ops.cross_entropy_forward(logits, target, ignore_index, reduction, label_smoothing)
        ctx.save_for_backward(logits, target, lse, count)
        ctx.args = (ignore_index, reduction, label_smoothing)
        return loss

    @staticmethod
    def backward(ctx, grad):
        logits, target, lse, count = ctx.saved_tensors
        grad_logits = _ops.cross_entropy_backward(grad, logits, target, lse, count, *ctx.args)
        return grad_logits, None, None, None, None


def cross_entropy(logits, target, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """torch.nn.functional.cross_entropy for class-index targets over the last dim of `logits`
    ([..., V], target [...] int64), without weights: reduction "mean" (over non-ignored
    targets; NaN when all are ignored, as torch), "sum" or "none" (shape of target)."""
    if logits.dim() == 1:
        return cross_entropy(logits.unsqueeze(0), target.reshape(1), ignore_index, reduction,
                             label_smoothing).reshape(())
    lead = logits.shape[:-1]
    if logits.dim() != 2:
        if target.shape != lead:
            raise ValueError(f"Expected target size {tuple(lead)}, got {tuple(target.shape)}")
        logits, target = logits.reshape(-1, logits.shape[-1]), target.reshape(-1)
    loss = _CrossEntropy.apply(logits, target, int(ignore_index), reduction, float(label_smoothing))
    if reduction == "none" and len(lead) != 1:
        loss = loss.reshape(lead)
    return loss
