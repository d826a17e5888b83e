namespace GenieHive.Benchmarks;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("usage: geniehive-bench <command> [options]");
        return args.Length == 0 ? 2 : 2;
    }
}
