using System.Buffers;
using CertStream.Gateway.Transports.WebSockets;

namespace CertStream.Tests.Gateway.Transports;

public sealed class ClientFrameHeaderUnitTests
{
    private static readonly byte[] Mask = [0x37, 0xfa, 0x21, 0x3d];

    [Fact]
    public void ParsesTheRfcExampleAndUnmasksIt()
    {
        // RFC 6455 §5.7: a masked "Hello".
        byte[] frame = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
        var (status, header, consumed) = Read(frame);
        Assert.Equal(ClientFrameHeader.Status.Complete, status);
        Assert.True(header.Fin);
        Assert.Equal(WebSocketFrames.Text, header.Opcode);
        Assert.Equal(5, header.PayloadLength);
        Assert.Equal(6, consumed);
        var text = new byte[5];
        header.Unmask(new ReadOnlySequence<byte>(frame, 6, 5), text);
        Assert.Equal("Hello"u8.ToArray(), text);
    }

    [Fact]
    public void ReadsSixteenAndSixtyFourBitLengths()
    {
        Assert.Equal(300, Read([0x82, 0xFE, 0x01, 0x2C, .. Mask]).Header.PayloadLength);
        Assert.Equal(70_000, Read([0x82, 0xFF, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70, .. Mask]).Header.PayloadLength);
    }

    [Theory]
    [InlineData(new byte[] { 0x81 })]
    [InlineData(new byte[] { 0x81, 0xFE, 0x01 })]
    [InlineData(new byte[] { 0x81, 0x85, 0x37, 0xfa })]
    public void AskForMoreWhenTheHeaderIsIncomplete(byte[] partial) =>
        Assert.Equal(ClientFrameHeader.Status.NeedMoreData, Read(partial).Status);

    [Theory]
    [InlineData(new byte[] { 0x81, 0x05 })] // not masked
    [InlineData(new byte[] { 0xC1, 0x85 })] // RSV1 without an extension
    [InlineData(new byte[] { 0x83, 0x85 })] // reserved opcode
    [InlineData(new byte[] { 0x09, 0x80 })] // fragmented ping
    [InlineData(new byte[] { 0x89, 0xFE })] // ping longer than 125
    [InlineData(new byte[] { 0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })] // negative 64-bit length
    public void RejectsWhatAClientMustNotSend(byte[] frame) =>
        Assert.Equal(ClientFrameHeader.Status.ProtocolError, Read(frame).Status);

    private static (ClientFrameHeader.Status Status, ClientFrameHeader Header, long Consumed) Read(byte[] bytes)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        var status = ClientFrameHeader.TryRead(ref reader, out var header);
        return (status, header, reader.Consumed);
    }
}
