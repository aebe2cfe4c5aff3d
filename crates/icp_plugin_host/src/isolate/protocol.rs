//! The messages between `icp` and an isolated plugin's worker process, and their bytes.
//!
//! How it works: every message is a frame — its length as a little-endian `u32`, then that
//! many bytes — written with [`write_frame`] and read with [`read_frame`]. Inside a frame,
//! [`Encoder`] and [`Decoder`] write and read plain little-endian numbers, length-prefixed
//! byte strings and vectors; each message type has an `encode` and a `decode` built from
//! them, so both sides share one definition. What travels is exactly what the in-process
//! call lends through the ABI: a signal call's constant arguments, the batch's input columns
//! (values, validity, text codes and their dictionaries, list offsets), the contact offsets,
//! and back the plugin's column after the host's own checks ([`crate::call`]), as an engine
//! column. A decoder never trusts a length it reads: a short or malformed frame is an error,
//! never a panic or a huge allocation (a frame's buffer grows with the bytes that arrive, a
//! count is checked against the bytes left, a list argument holds no list); and a decoded
//! column or signal call must hold together ([`super::validate`]) before it is used.
//!
//! The exchange: the worker opens with a [`Hello`] (the plugin's declarations, or the load
//! error); then the host sends requests ([`Request`]), one at a time, each answered by one
//! reply: `Ok` with the result, or `Err` with the plugin's message.

use std::borrow::Cow;
use std::io::{self, Read, Write};

use icp_engine::batch::{Column, Dict};
use icp_engine::{ParamDecl, SignalDecl, Type, Value};

/// The largest frame either side accepts (1 GiB): a length past it is a corrupt stream.
const MAX_FRAME: usize = 1 << 30;

/// The most a frame's buffer holds before its bytes arrive.
const FIRST_READ: usize = 1 << 16;

/// Writes one frame.
pub fn write_frame(out: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|n| (*n as usize) <= MAX_FRAME)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "message too large"))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(payload)?;
    out.flush()
}

/// Reads one frame; `None` at a clean end of the stream (before a frame starts).
pub fn read_frame(input: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match input.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    // The buffer grows with the bytes that arrive, not with the length the stream claims:
    // four bytes saying 1 GiB followed by nothing cost a read, not a gigabyte.
    let mut payload = Vec::with_capacity(len.min(FIRST_READ));
    input.take(len as u64).read_to_end(&mut payload)?;
    if payload.len() < len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(payload))
}

/// What the worker says first: the plugin it loaded, or why it could not.
#[derive(Debug)]
pub struct Hello {
    pub name: String,
    pub version: String,
    pub doc: String,
    pub abi_minor: u32,
    pub config_keys: Option<Vec<String>>,
    pub signals: Vec<SignalDecl>,
}

/// A request of the host: borrowed from the batch when the host writes it, owned when the
/// worker reads it.
#[derive(Debug)]
pub enum Request<'a> {
    /// Call the plugin's `init` with its configuration (JSON) and base directory.
    Init {
        config_json: String,
        base_dir: String,
    },
    /// Evaluate one signal call over one batch.
    Evaluate(Evaluate<'a>),
}

/// One signal call over one batch, as the worker replays it.
#[derive(Debug)]
pub struct Evaluate<'a> {
    pub signal: u32,
    pub today: i32,
    pub rows: usize,
    pub args: Cow<'a, [Option<Value>]>,
    /// Each input column with its ABI type code.
    pub inputs: Vec<(u32, Cow<'a, Column>)>,
    pub contact_offsets: Cow<'a, [u32]>,
}

/// Writes the values of a message.
#[derive(Debug, Default)]
pub struct Encoder(pub Vec<u8>);

/// Reads the values of a message; every read checks the bytes are there.
#[derive(Debug)]
pub struct Decoder<'a>(&'a [u8]);

/// A message that does not decode.
pub fn malformed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "malformed message")
}

impl Encoder {
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    pub fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    pub fn bools(&mut self, v: &[bool]) {
        self.u64(v.len() as u64);
        self.0.extend(v.iter().map(|b| u8::from(*b)));
    }
    pub fn u32s(&mut self, v: &[u32]) {
        self.u64(v.len() as u64);
        v.iter().for_each(|x| self.u32(*x));
    }
    pub fn i32s(&mut self, v: &[i32]) {
        self.u64(v.len() as u64);
        v.iter().for_each(|x| self.i32(*x));
    }
    pub fn f64s(&mut self, v: &[f64]) {
        self.u64(v.len() as u64);
        v.iter().for_each(|x| self.f64(*x));
    }
    pub fn strs<'s>(&mut self, v: impl ExactSizeIterator<Item = &'s str>) {
        self.u64(v.len() as u64);
        v.for_each(|s| self.str(s));
    }
    /// A reply: `Ok(body)` as 0 then the body, `Err(message)` as 1 then the message.
    pub fn reply(result: Result<Encoder, String>) -> Vec<u8> {
        let mut e = Encoder::default();
        match result {
            Ok(body) => {
                e.u8(0);
                e.0.extend_from_slice(&body.0);
            }
            Err(message) => {
                e.u8(1);
                e.str(&message);
            }
        }
        e.0
    }
}

impl<'a> Decoder<'a> {
    pub fn new(bytes: &'a [u8]) -> Decoder<'a> {
        Decoder(bytes)
    }
    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(malformed());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| malformed())
    }
    pub fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> io::Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn f64(&mut self) -> io::Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
    /// A count of items of at least `width` bytes each, checked against the bytes left.
    fn count(&mut self, width: usize) -> io::Result<usize> {
        let n = usize::try_from(self.u64()?).map_err(|_| malformed())?;
        if n.saturating_mul(width.max(1)) > self.0.len() {
            return Err(malformed());
        }
        Ok(n)
    }
    pub fn str(&mut self) -> io::Result<String> {
        let n = self.count(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| malformed())
    }
    pub fn bools(&mut self) -> io::Result<Vec<bool>> {
        let n = self.count(1)?;
        Ok(self.take(n)?.iter().map(|b| *b != 0).collect())
    }
    pub fn u32s(&mut self) -> io::Result<Vec<u32>> {
        let n = self.count(4)?;
        (0..n).map(|_| self.u32()).collect()
    }
    pub fn i32s(&mut self) -> io::Result<Vec<i32>> {
        let n = self.count(4)?;
        (0..n).map(|_| self.i32()).collect()
    }
    pub fn f64s(&mut self) -> io::Result<Vec<f64>> {
        let n = self.count(8)?;
        (0..n).map(|_| self.f64()).collect()
    }
    pub fn strs(&mut self) -> io::Result<Vec<String>> {
        let n = self.count(8)?;
        (0..n).map(|_| self.str()).collect()
    }
    /// A reply: the body decoded by `body`, or the error message.
    pub fn reply<T>(
        mut self,
        body: impl FnOnce(&mut Decoder<'a>) -> io::Result<T>,
    ) -> io::Result<Result<T, String>> {
        match self.u8()? {
            0 => Ok(Ok(body(&mut self)?)),
            1 => Ok(Err(self.str()?)),
            _ => Err(malformed()),
        }
    }
}

impl Hello {
    pub fn encode(&self, e: &mut Encoder) {
        e.str(&self.name);
        e.str(&self.version);
        e.str(&self.doc);
        e.u32(self.abi_minor);
        match &self.config_keys {
            None => e.u8(0),
            Some(keys) => {
                e.u8(1);
                e.strs(keys.iter().map(String::as_str));
            }
        }
        e.u64(self.signals.len() as u64);
        for s in &self.signals {
            e.str(&s.plugin);
            e.str(&s.name);
            e.str(&s.doc);
            e.u64(s.params.len() as u64);
            for p in &s.params {
                e.str(&p.name);
                encode_type(e, p.ty);
                e.u8(u8::from(p.optional));
            }
            encode_type(e, s.output);
            e.strs(s.inputs.iter().map(String::as_str));
            e.str(s.order.as_deref().unwrap_or(""));
        }
    }

    pub fn decode(d: &mut Decoder<'_>) -> io::Result<Hello> {
        let name = d.str()?;
        let version = d.str()?;
        let doc = d.str()?;
        let abi_minor = d.u32()?;
        let config_keys = match d.u8()? {
            0 => None,
            _ => Some(d.strs()?),
        };
        let n = d.count(8)?;
        let mut signals = Vec::with_capacity(n);
        for _ in 0..n {
            let plugin = d.str()?;
            let name = d.str()?;
            let doc = d.str()?;
            let n_params = d.count(8)?;
            let params = (0..n_params)
                .map(|_| {
                    Ok(ParamDecl {
                        name: d.str()?,
                        ty: decode_type(d)?,
                        optional: d.u8()? != 0,
                    })
                })
                .collect::<io::Result<_>>()?;
            signals.push(SignalDecl {
                plugin,
                name,
                doc,
                params,
                output: decode_type(d)?,
                inputs: d.strs()?,
                order: Some(d.str()?).filter(|o| !o.is_empty()),
            });
        }
        Ok(Hello {
            name,
            version,
            doc,
            abi_minor,
            config_keys,
            signals,
        })
    }
}

/// A declared type by the name `Type::parse` reads back.
fn encode_type(e: &mut Encoder, ty: Type) {
    let name = match ty {
        Type::BOOL => "bool",
        Type::NUMBER => "number",
        Type::STRING => "string",
        Type::DATE => "date",
        Type::DURATION => "duration",
        Type::List(Some(icp_engine::Scalar::Number)) => "list<number>",
        Type::List(_) => "list",
        // A declaration never has the error type; the reader refuses the empty name.
        Type::Error => "",
    };
    e.str(name);
}

fn decode_type(d: &mut Decoder<'_>) -> io::Result<Type> {
    Type::parse(&d.str()?).ok_or_else(malformed)
}

impl Request<'_> {
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::default();
        match self {
            Request::Init {
                config_json,
                base_dir,
            } => {
                e.u8(1);
                e.str(config_json);
                e.str(base_dir);
            }
            Request::Evaluate(call) => {
                e.u8(2);
                e.u32(call.signal);
                e.i32(call.today);
                e.u64(call.rows as u64);
                e.u64(call.args.len() as u64);
                for arg in call.args.iter() {
                    encode_value(&mut e, arg.as_ref());
                }
                e.u64(call.inputs.len() as u64);
                for (code, column) in &call.inputs {
                    e.u32(*code);
                    encode_column(&mut e, column);
                }
                e.u32s(&call.contact_offsets);
            }
        }
        e.0
    }

    pub fn decode(bytes: &[u8]) -> io::Result<Request<'static>> {
        let mut d = Decoder::new(bytes);
        match d.u8()? {
            1 => Ok(Request::Init {
                config_json: d.str()?,
                base_dir: d.str()?,
            }),
            2 => {
                let signal = d.u32()?;
                let today = d.i32()?;
                let rows = usize::try_from(d.u64()?).map_err(|_| malformed())?;
                let n_args = d.count(1)?;
                let args = (0..n_args)
                    .map(|_| decode_value(&mut d, true))
                    .collect::<io::Result<Vec<_>>>()?;
                let n_inputs = d.count(5)?;
                let inputs = (0..n_inputs)
                    .map(|_| Ok((d.u32()?, Cow::Owned(decode_column(&mut d)?))))
                    .collect::<io::Result<_>>()?;
                let call = Evaluate {
                    signal,
                    today,
                    rows,
                    args: Cow::Owned(args),
                    inputs,
                    contact_offsets: Cow::Owned(d.u32s()?),
                };
                // Lent to native code as pointers and lengths: it must hold together.
                super::validate::evaluate(&call)?;
                Ok(Request::Evaluate(call))
            }
            _ => Err(malformed()),
        }
    }
}

fn encode_value(e: &mut Encoder, value: Option<&Value>) {
    match value {
        None => e.u8(0),
        Some(Value::Bool(b)) => {
            e.u8(1);
            e.u8(u8::from(*b));
        }
        Some(Value::Number(n)) => {
            e.u8(2);
            e.f64(*n);
        }
        Some(Value::String(s)) => {
            e.u8(3);
            e.str(s);
        }
        Some(Value::Date(d)) => {
            e.u8(4);
            e.i32(*d);
        }
        Some(Value::Duration(n)) => {
            e.u8(5);
            e.f64(*n);
        }
        Some(Value::List(items)) => {
            e.u8(6);
            e.u64(items.len() as u64);
            items.iter().for_each(|v| encode_value(e, Some(v)));
        }
    }
}

/// A value; a list's items are scalars (`list_allowed` is false inside a list), so no
/// stream nests deeper than one list, whatever its length.
fn decode_value(d: &mut Decoder<'_>, list_allowed: bool) -> io::Result<Option<Value>> {
    Ok(Some(match d.u8()? {
        0 => return Ok(None),
        1 => Value::Bool(d.u8()? != 0),
        2 => Value::Number(d.f64()?),
        3 => Value::String(d.str()?),
        4 => Value::Date(d.i32()?),
        5 => Value::Duration(d.f64()?),
        6 if list_allowed => {
            let n = d.count(1)?;
            let items = (0..n)
                .map(|_| decode_value(d, false)?.ok_or_else(malformed))
                .collect::<io::Result<_>>()?;
            Value::List(items)
        }
        _ => return Err(malformed()),
    }))
}

/// Writes a column of one of the types the plugin boundary carries; any other is written
/// as absent (`prepare` refuses such inputs, and `take` never makes one).
pub fn encode_column(e: &mut Encoder, column: &Column) {
    match column {
        Column::Number { values, valid } | Column::Duration { values, valid } => {
            e.u8(if matches!(column, Column::Number { .. }) {
                1
            } else {
                2
            });
            e.f64s(values);
            e.bools(valid);
        }
        Column::Bool { values, valid } => {
            e.u8(3);
            e.bools(values);
            e.bools(valid);
        }
        Column::Date { values, valid } => {
            e.u8(4);
            e.i32s(values);
            e.bools(valid);
        }
        Column::Text { codes, dict } => {
            e.u8(5);
            e.u32s(codes);
            e.strs(dict.values());
        }
        Column::TextList {
            offsets,
            codes,
            valid,
            dict,
        } => {
            e.u8(6);
            e.u32s(offsets);
            e.u32s(codes);
            e.bools(valid);
            e.strs(dict.values());
        }
        Column::Absent | Column::Values(_) => e.u8(0),
    }
}

/// Reads a column back; text keeps its codes (the dictionary is rebuilt in code order). A
/// column that is not consistent in itself ([`super::validate::column`]) is malformed.
pub fn decode_column(d: &mut Decoder<'_>) -> io::Result<Column> {
    let column = decode_any_column(d)?;
    super::validate::column(&column)?;
    Ok(column)
}

fn decode_any_column(d: &mut Decoder<'_>) -> io::Result<Column> {
    let dict = |d: &mut Decoder<'_>| -> io::Result<Dict> {
        let mut dict = Dict::unindexed();
        for s in d.strs()? {
            dict.code_str(&s);
        }
        dict.index();
        Ok(dict)
    };
    Ok(match d.u8()? {
        1 => Column::Number {
            values: d.f64s()?,
            valid: d.bools()?,
        },
        2 => Column::Duration {
            values: d.f64s()?,
            valid: d.bools()?,
        },
        3 => Column::Bool {
            values: d.bools()?,
            valid: d.bools()?,
        },
        4 => Column::Date {
            values: d.i32s()?,
            valid: d.bools()?,
        },
        5 => Column::Text {
            codes: d.u32s()?,
            dict: dict(d)?,
        },
        6 => Column::TextList {
            offsets: d.u32s()?,
            codes: d.u32s()?,
            valid: d.bools()?,
            dict: dict(d)?,
        },
        _ => return Err(malformed()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_survives_its_bytes() {
        let mut dict = Dict::default();
        let a = dict.code_str("acme.com");
        let b = dict.code_str("globex.io");
        let call = Evaluate {
            signal: 3,
            today: 20_000,
            rows: 3,
            args: Cow::Owned(vec![
                Some(Value::Duration(90.0)),
                None,
                Some(Value::List(vec![Value::String("x".into())])),
            ]),
            inputs: vec![
                (
                    3,
                    Cow::Owned(Column::Text {
                        codes: vec![a, icp_engine::batch::MISSING, b],
                        dict,
                    }),
                ),
                (
                    2,
                    Cow::Owned(Column::Number {
                        values: vec![1.5, 0.0, -2.0],
                        valid: vec![true, false, true],
                    }),
                ),
            ],
            contact_offsets: Cow::Owned(vec![0, 0, 0, 0]),
        };
        let bytes = Request::Evaluate(call).encode();
        let Request::Evaluate(back) = Request::decode(&bytes).expect("decodes") else {
            panic!("not an evaluation");
        };
        assert_eq!(back.signal, 3);
        assert_eq!(back.rows, 3);
        assert_eq!(back.args.len(), 3);
        assert_eq!(back.inputs[0].1.text(2), Some("globex.io"));
        assert_eq!(back.inputs[1].1.get(0), Some(Value::Number(1.5)));
        assert_eq!(back.inputs[1].1.get(1), None);
    }

    #[test]
    fn a_truncated_message_is_an_error_not_a_panic() {
        let bytes = Request::Init {
            config_json: "{\"data\": \"x.csv\"}".into(),
            base_dir: "/tmp".into(),
        }
        .encode();
        for cut in 0..bytes.len() {
            assert!(Request::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // A count far larger than the message is refused before anything is allocated.
        let mut huge = vec![2u8];
        huge.extend_from_slice(&[0; 8]);
        huge.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(Request::decode(&huge).is_err());
    }
}
