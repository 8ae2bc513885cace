namespace Podwire.Ingress.Forwarding;

/// <summary>
/// Incremental decoder of a chunked body (RFC 9112 §7.1) fed whatever the socket delivered: it
/// yields the data runs in place (no copy) and consumes sizes, extensions and trailers. Trailers
/// are dropped (an HTTP/1.1 client gets its own framing from Kestrel). Sizes, extension and
/// trailer lengths are bounded, so a hostile backend cannot make it loop or overflow.
/// </summary>
internal struct ChunkedDecoder
{
    private const int MaxLineBytes = 8 * 1024;

    private enum State : byte { Size, Extension, SizeLf, Data, DataCr, DataLf, TrailerLineStart, Trailer, TrailerLf, FinalLf, Done }

    public enum Result { NeedMore, Data, Done, Invalid }

    private State _state;
    private long _remaining;
    private int _digits;
    private int _lineBytes;

    public readonly bool IsDone => _state == State.Done;

    /// <summary>
    /// Reads framing from <paramref name="input"/> until a data run, the end of the body or the
    /// end of the input. <paramref name="consumed"/> is how many input bytes were used (including
    /// a returned data run, which is <c>input.Slice(dataOffset, dataCount)</c>).
    /// </summary>
    public Result Read(ReadOnlySpan<byte> input, out int consumed, out int dataOffset, out int dataCount)
    {
        dataOffset = dataCount = 0;
        int i = 0;
        while (i < input.Length)
        {
            byte b = input[i];
            switch (_state)
            {
                case State.Size:
                    int d = HexValue(b);
                    if (d >= 0)
                    {
                        if (++_digits > 15) return Fail(i, out consumed);
                        _remaining = (_remaining << 4) | (uint)d;
                        i++;
                        break;
                    }
                    if (_digits == 0) return Fail(i, out consumed);
                    if (b == (byte)'\r') { _state = State.SizeLf; i++; break; }
                    if (b is (byte)';' or (byte)' ' or (byte)'\t') { _state = State.Extension; _lineBytes = 0; i++; break; }
                    return Fail(i, out consumed);
                case State.Extension:
                    if (b == (byte)'\r') { _state = State.SizeLf; i++; break; }
                    if (b == (byte)'\n' || ++_lineBytes > MaxLineBytes) return Fail(i, out consumed);
                    i++;
                    break;
                case State.SizeLf:
                    if (b != (byte)'\n') return Fail(i, out consumed);
                    i++;
                    _digits = 0;
                    if (_remaining == 0) { _state = State.TrailerLineStart; _lineBytes = 0; }
                    else _state = State.Data;
                    break;
                case State.Data:
                    int n = (int)Math.Min(_remaining, input.Length - i);
                    _remaining -= n;
                    if (_remaining == 0) _state = State.DataCr;
                    dataOffset = i;
                    dataCount = n;
                    consumed = i + n;
                    return Result.Data;
                case State.DataCr:
                    if (b != (byte)'\r') return Fail(i, out consumed);
                    _state = State.DataLf; i++;
                    break;
                case State.DataLf:
                    if (b != (byte)'\n') return Fail(i, out consumed);
                    _state = State.Size; i++;
                    break;
                case State.TrailerLineStart:
                    if (b == (byte)'\r') { _state = State.FinalLf; i++; break; }
                    _state = State.Trailer;
                    break;
                case State.Trailer:
                    if (++_lineBytes > MaxLineBytes) return Fail(i, out consumed);
                    if (b == (byte)'\r') _state = State.TrailerLf;
                    else if (b == (byte)'\n') return Fail(i, out consumed);
                    i++;
                    break;
                case State.TrailerLf:
                    if (b != (byte)'\n') return Fail(i, out consumed);
                    _state = State.TrailerLineStart; i++;
                    break;
                case State.FinalLf:
                    if (b != (byte)'\n') return Fail(i, out consumed);
                    _state = State.Done;
                    consumed = i + 1;
                    return Result.Done;
                default: // Done: nothing more belongs to this body
                    consumed = i;
                    return Result.Done;
            }
        }
        consumed = i;
        return _state == State.Done ? Result.Done : Result.NeedMore;
    }

    private static Result Fail(int at, out int consumed)
    {
        consumed = at;
        return Result.Invalid;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
