namespace GenieHive.Tests.ServiceDefaults;

public sealed class InlineIoTests
{
    [Theory]
    [InlineData(null, "1")]
    [InlineData("", "1")]
    [InlineData("1", "1")]
    [InlineData("0", "0")]
    [InlineData("yes", "yes")]
    public void The_inherited_value_decides_and_unset_means_on(string? inherited, string expected) =>
        Assert.Equal(expected, InlineIo.Decide(inherited));

    [Fact]
    public void A_child_gets_the_inherited_value_or_none()
    {
        var environment = new Dictionary<string, string?> { [InlineIo.Variable] = "1", ["PATH"] = "/bin" };
        InlineIo.Restore(environment, inherited: null);
        Assert.False(environment.ContainsKey(InlineIo.Variable));
        Assert.Equal("/bin", environment["PATH"]);

        InlineIo.Restore(environment, inherited: "0");
        Assert.Equal("0", environment[InlineIo.Variable]);
    }
}
