using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The <c>process</c> engine's command template (docs/runtimes.md): split into arguments like a POSIX shell does
/// (whitespace separates; single quotes keep everything; double quotes keep all but <c>\"</c> and <c>\\</c>), then
/// each placeholder replaced inside its argument, so a path with spaces stays one argument. No shell runs.
/// </summary>
internal static class ServerCommand
{
    public static readonly string[] Placeholders = ["{model}", "{asset_id}", "{host}", "{port}", "{ctx}", "{parallel}", "{threads}", "{kind}"];

    public static ProcessStartInfo For(RuntimeModel model, int port)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["{model}"] = model.Path ?? model.AssetId,
            ["{asset_id}"] = model.AssetId,
            ["{host}"] = "127.0.0.1",
            ["{port}"] = port.ToString(CultureInfo.InvariantCulture),
            ["{ctx}"] = model.Context.ToString(CultureInfo.InvariantCulture),
            ["{parallel}"] = model.Entry.Parallel.ToString(CultureInfo.InvariantCulture),
            ["{threads}"] = (model.Entry.Threads ?? CpuReservation.AgentCpuCount ?? Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
            ["{kind}"] = model.Kind,
        };
        var args = Split(model.Entry.Command ?? "");
        if (args.Count == 0)
        {
            throw new InvalidOperationException("the command is empty");
        }

        var start = new ProcessStartInfo(Substitute(args[0], values));
        foreach (var arg in args.Skip(1))
        {
            start.ArgumentList.Add(Substitute(arg, values));
        }

        start.UseShellExecute = false;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("DOTNET_URLS");
        InlineIo.RestoreInherited(start.Environment);
        return start;
    }

    public static List<string> Split(string command)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        var inArg = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (c == '\'')
            {
                var end = command.IndexOf('\'', i + 1);
                end = end < 0 ? command.Length : end;
                current.Append(command, i + 1, end - i - 1);
                i = end;
                inArg = true;
            }
            else if (c == '"')
            {
                for (i++; i < command.Length && command[i] != '"'; i++)
                {
                    if (command[i] == '\\' && i + 1 < command.Length && command[i + 1] is '"' or '\\')
                    {
                        i++;
                    }

                    current.Append(command[i]);
                }

                inArg = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inArg)
                {
                    args.Add(current.ToString());
                    current.Clear();
                    inArg = false;
                }
            }
            else
            {
                current.Append(c);
                inArg = true;
            }
        }

        if (inArg)
        {
            args.Add(current.ToString());
        }

        return args;
    }

    private static string Substitute(string arg, Dictionary<string, string> values)
    {
        foreach (var (name, value) in values)
        {
            arg = arg.Replace(name, value, StringComparison.Ordinal);
        }

        return arg;
    }
}
