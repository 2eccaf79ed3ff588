-- RFC 4571 framing as ICE-TCP uses it (RFC 6544 §3), for tshark 4.0, which has no such dissector: every packet on
-- the connection sits behind a 16-bit length and is STUN, DTLS, or (S)RTP/(S)RTCP, told apart by its first byte
-- (RFC 7983 §7). Only the framing is done here: each packet goes to tshark's own STUN, DTLS or RTP dissector, so they
-- judge the bytes; SRTCP, encrypted past its first 8 bytes, is only labelled. A frame whose first byte fits none of
-- them is flagged as an expert error.
-- Use: tshark -X lua_script:test/support/rfc4571.lua -d tcp.port==443,rfc4571ice …
local proto = Proto("rfc4571ice", "RFC 4571 framing (ICE-TCP)")
local f_length = ProtoField.uint16("rfc4571ice.length", "Length")
local f_class = ProtoField.string("rfc4571ice.class", "Packet (RFC 7983)")
local f_srtcp_pt = ProtoField.uint8("rfc4571ice.srtcp.pt", "SRTCP first packet type")
local f_srtcp_ssrc = ProtoField.uint32("rfc4571ice.srtcp.ssrc", "SRTCP sender SSRC", base.HEX)
local e_unknown = ProtoExpert.new("rfc4571ice.unknown", "First byte fits no RFC 7983 range", expert.group.MALFORMED, expert.severity.ERROR)
proto.fields = { f_length, f_class, f_srtcp_pt, f_srtcp_ssrc }
proto.experts = { e_unknown }

local stun = Dissector.get("stun-udp")
local dtls = Dissector.get("dtls")
local rtp = Dissector.get("rtp")

local function frame_length(tvb, _, offset)
  return tvb(offset, 2):uint() + 2
end

local function dissect_frame(tvb, pinfo, tree)
  local length = tvb(0, 2):uint()
  local item = tree:add(proto, tvb(0, length + 2))
  item:add(f_length, tvb(0, 2))
  if length == 0 then return 2 end
  local packet = tvb(2, length):tvb()
  local b = packet(0, 1):uint()
  if b <= 3 then
    item:add(f_class, "STUN")
    stun:call(packet, pinfo, tree)
  elseif b >= 20 and b <= 63 then
    item:add(f_class, "DTLS")
    dtls:call(packet, pinfo, tree)
  elseif b >= 128 and b <= 191 and length >= 2 then
    local pt = packet(1, 1):uint()
    if pt >= 192 and pt <= 223 then
      -- SRTCP (RFC 3711 §3.4): only the first 8 bytes are clear, the rest is ciphertext no RTCP dissector can read
      item:add(f_class, "SRTCP")
      item:add(f_srtcp_pt, packet(1, 1))
      if length >= 8 then item:add(f_srtcp_ssrc, packet(4, 4)) end
    else
      item:add(f_class, "RTP")
      rtp:call(packet, pinfo, tree)
    end
  else
    item:add_proto_expert_info(e_unknown)
  end
  return length + 2
end

function proto.dissector(tvb, pinfo, tree)
  pinfo.cols.protocol = "RFC4571"
  dissect_tcp_pdus(tvb, tree, 2, frame_length, dissect_frame)
  return tvb:len()
end

DissectorTable.get("tcp.port"):add_for_decode_as(proto)
