#!/usr/bin/env python3
"""An independent PyTorch DRAW, written from the paper's equations, to time training beside
`minidraw bench`. Not part of the Swift package: nothing builds, tests or needs it.

    pip install torch                   # any recent CPU build
    python3 Benchmarks/pytorch_draw.py  # the three presets, batch 100, 2 threads

It prints images per second for forward + backward + Adam, the median of the timed steps after
warm-up, in the same form as `minidraw bench`. The model follows MiniDRAW's equations (Gregor et
al. 2015): Eq. 1-8 per step, Eq. 9-11 for the loss, Eq. 17-18 without attention and Eq. 19-29 with
it, learned initial states c_0, h^enc_0, h^dec_0 (§2.1). Random binary images stand in for MNIST:
speed does not depend on the pixels.
"""
import argparse
import statistics
import sys
import time

import torch
from torch import nn

PRESETS = {
    # name: (T, LSTM size, |z|, read N, write N, attention)
    "paperMNIST": (64, 256, 100, 2, 5, True),
    "paperMNISTNoAttention": (64, 256, 100, 0, 0, False),
    "small": (10, 256, 10, 5, 5, True),
}
A = B = 28


def filterbanks(params, n):
    """Eq. 21-26: (g~X, g~Y, log sigma^2, log delta~, log gamma) -> F_X [b, N, A], F_Y [b, N, B], gamma."""
    gx_, gy_, log_var, log_delta, log_gamma = params.unbind(1)
    gx = (A + 1) / 2 * (gx_ + 1)                                          # Eq. 22
    gy = (B + 1) / 2 * (gy_ + 1)                                          # Eq. 23
    delta = (max(A, B) - 1) / (n - 1) * torch.exp(log_delta)              # Eq. 24
    var = torch.exp(log_var)
    grid = torch.arange(1, n + 1, dtype=params.dtype) - n / 2 - 0.5       # i = 1..N
    mu_x = gx[:, None] + grid[None] * delta[:, None]                      # Eq. 19
    mu_y = gy[:, None] + grid[None] * delta[:, None]                      # Eq. 20
    a = torch.arange(1, A + 1, dtype=params.dtype)
    b = torch.arange(1, B + 1, dtype=params.dtype)
    fx = torch.exp(-(a[None, None] - mu_x[:, :, None]) ** 2 / (2 * var[:, None, None]))   # Eq. 25
    fy = torch.exp(-(b[None, None] - mu_y[:, :, None]) ** 2 / (2 * var[:, None, None]))   # Eq. 26
    fx = fx / fx.sum(2, keepdim=True).clamp_min(1e-8)
    fy = fy / fy.sum(2, keepdim=True).clamp_min(1e-8)
    return fx, fy, torch.exp(log_gamma)


class DRAW(nn.Module):
    def __init__(self, timesteps, hidden, latent, read_n, write_n, attention):
        super().__init__()
        self.t, self.attention, self.read_n, self.write_n = timesteps, attention, read_n, write_n
        glimpse = 2 * read_n * read_n if attention else 2 * A * B
        self.encoder = nn.LSTMCell(glimpse + hidden, hidden)             # Eq. 5
        self.decoder = nn.LSTMCell(latent, hidden)                       # Eq. 7
        self.mu = nn.Linear(hidden, latent)                              # Eq. 1
        self.log_sigma = nn.Linear(hidden, latent)                       # Eq. 2
        self.write = nn.Linear(hidden, write_n * write_n if attention else A * B)   # Eq. 18 / 28
        if attention:
            self.read_attention = nn.Linear(hidden, 5)                   # Eq. 21
            self.write_attention = nn.Linear(hidden, 5)
        self.c0 = nn.Parameter(torch.zeros(A * B))                       # §2.1 learned initial states
        self.h_enc0 = nn.Parameter(torch.zeros(hidden))
        self.h_dec0 = nn.Parameter(torch.zeros(hidden))

    def read(self, x, x_hat, h_dec):
        if not self.attention:
            return torch.cat([x, x_hat], 1)                              # Eq. 17
        fx, fy, gamma = filterbanks(self.read_attention(h_dec), self.read_n)
        def glimpse(image):                                              # Eq. 27
            return (fy @ image.view(-1, B, A) @ fx.transpose(1, 2)).flatten(1)
        return gamma[:, None] * torch.cat([glimpse(x), glimpse(x_hat)], 1)

    def write_patch(self, h_dec):
        w = self.write(h_dec)
        if not self.attention:
            return w                                                     # Eq. 18
        fx, fy, gamma = filterbanks(self.write_attention(h_dec), self.write_n)
        patch = w.view(-1, self.write_n, self.write_n)
        return (fy.transpose(1, 2) @ patch @ fx).flatten(1) / gamma[:, None]   # Eq. 29

    def forward(self, x):
        batch = x.shape[0]
        c = self.c0.expand(batch, -1)
        h_enc, h_dec = self.h_enc0.expand(batch, -1), self.h_dec0.expand(batch, -1)
        cell_enc = torch.zeros_like(h_enc)
        cell_dec = torch.zeros_like(h_dec)
        kl = 0
        for _ in range(self.t):
            x_hat = x - torch.sigmoid(c)                                 # Eq. 3
            r = self.read(x, x_hat, h_dec)                               # Eq. 4
            h_enc, cell_enc = self.encoder(torch.cat([r, h_dec], 1), (h_enc, cell_enc))   # Eq. 5
            mu, log_sigma = self.mu(h_enc), self.log_sigma(h_enc)       # Eq. 1, 2
            sigma = torch.exp(log_sigma)
            z = mu + sigma * torch.randn_like(mu)                        # Eq. 6
            h_dec, cell_dec = self.decoder(z, (h_dec, cell_dec))        # Eq. 7
            c = c + self.write_patch(h_dec)                              # Eq. 8
            kl = kl + 0.5 * (mu ** 2 + sigma ** 2 - 2 * log_sigma - 1).sum(1)   # Eq. 11, -1/2 per unit
        loss_x = nn.functional.binary_cross_entropy_with_logits(c, x, reduction="none").sum(1)   # Eq. 9
        return (loss_x + kl).mean()                                      # Eq. 12


def bench(name, batch_size, steps):
    torch.manual_seed(1)
    model = DRAW(*PRESETS[name])
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = (torch.rand(batch_size, A * B) < 0.2).float()
    times = []
    for step in range(steps + 1):
        start = time.perf_counter()
        optimiser.zero_grad()
        loss = model(images)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 10)
        optimiser.step()
        if step > 0:                                                     # the first step warms up
            times.append(time.perf_counter() - start)
    return batch_size / statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presets", default=",".join(PRESETS))
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--flush-denormal", action="store_true",
                        help="torch.set_flush_denormal(True): subnormal floats read and written as 0, as MiniDRAW runs")
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    if arguments.flush_denormal and not torch.set_flush_denormal(True):
        sys.exit("--flush-denormal: this processor has no flush-to-zero switch PyTorch can set")
    print(f"PyTorch {torch.__version__} bench: {arguments.threads} threads, batch {arguments.batch_size}, "
          f"median of {arguments.steps} steps after a warm-up"
          + (", subnormals flushed" if arguments.flush_denormal else ""))
    for name in arguments.presets.split(","):
        print(f"  {name:<30} train {bench(name, arguments.batch_size, arguments.steps):7.1f} img/s")


if __name__ == "__main__":
    main()
