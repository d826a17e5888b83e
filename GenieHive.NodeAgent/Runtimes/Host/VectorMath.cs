namespace GenieHive.NodeAgent.Runtimes.Host;

internal static class VectorMath
{
    /// <summary>The vector scaled to unit length (OpenAI's embeddings are unit vectors); a zero vector stays zero.</summary>
    public static float[] Normalized(float[] vector)
    {
        double norm = 0;
        foreach (var v in vector)
        {
            norm += (double)v * v;
        }

        if (norm <= 0)
        {
            return vector;
        }

        var scale = (float)(1 / Math.Sqrt(norm));
        var result = new float[vector.Length];
        for (var i = 0; i < vector.Length; i++)
        {
            result[i] = vector[i] * scale;
        }

        return result;
    }
}
