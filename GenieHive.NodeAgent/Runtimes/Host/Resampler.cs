namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// Band-limited resampling by windowed-sinc interpolation: each output sample is the weighted sum of the input samples
/// within 16 zero crossings of the low-pass kernel around its position, the kernel being a sinc cut off at 95 % of the
/// lower of the two Nyquist frequencies under a Blackman window. Downsampling therefore filters out what the output
/// rate cannot carry instead of folding it back (what linear interpolation does); the weights of each output are
/// normalised to sum to one, so the level is kept at the edges too. The kernel is tabulated (512 steps per zero
/// crossing, linearly interpolated).
/// </summary>
internal static class Resampler
{
    private const int ZeroCrossings = 16;
    private const int Steps = 512;
    private const double Passband = 0.95;

    private static readonly float[] Kernel = BuildKernel();

    public static float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate)
    {
        if (input.Length == 0)
        {
            return [];
        }

        var step = (double)fromRate / toRate;
        var length = (int)Math.Round(input.Length / step);
        // Cycles per input sample kept: the output's Nyquist when downsampling, the input's when upsampling.
        var cutoff = 0.5 * Math.Min(1.0, 1.0 / step) * Passband;
        var scale = 2 * cutoff;
        var halfWidth = ZeroCrossings / scale;
        var output = new float[length];
        for (var n = 0; n < length; n++)
        {
            var t = n * step;
            var first = Math.Max(0, (int)Math.Ceiling(t - halfWidth));
            var last = Math.Min(input.Length - 1, (int)Math.Floor(t + halfWidth));
            double sum = 0, weights = 0;
            for (var k = first; k <= last; k++)
            {
                var w = Weight(Math.Abs(t - k) * scale);
                sum += w * input[k];
                weights += w;
            }

            output[n] = weights > 0 ? (float)(sum / weights) : 0f;
        }

        return output;
    }

    /// <summary>The windowed sinc at <paramref name="u"/> zero crossings from its centre.</summary>
    private static double Weight(double u)
    {
        var position = u * Steps;
        var index = (int)position;
        if (index >= ZeroCrossings * Steps)
        {
            return 0;
        }

        var fraction = position - index;
        return Kernel[index] + (fraction * (Kernel[index + 1] - Kernel[index]));
    }

    private static float[] BuildKernel()
    {
        var table = new float[(ZeroCrossings * Steps) + 2];
        for (var i = 0; i < table.Length; i++)
        {
            var u = (double)i / Steps;
            if (u >= ZeroCrossings)
            {
                continue;
            }

            var sinc = i == 0 ? 1.0 : Math.Sin(Math.PI * u) / (Math.PI * u);
            var x = u / ZeroCrossings;
            var blackman = 0.42 + (0.5 * Math.Cos(Math.PI * x)) + (0.08 * Math.Cos(2 * Math.PI * x));
            table[i] = (float)(sinc * blackman);
        }

        return table;
    }
}
