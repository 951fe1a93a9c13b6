//! GSP-RM's object API as the model implements it: clients, each with a
//! handle table of devices and subdevices, the controls those answer, and
//! the NV_STATUS codes real RM returns for bad requests (open-gpu-kernel-
//! modules `rmapi/alloc.c`, `rmapi/control.c`, `rmapi/free.c` semantics:
//! a client's handle is its own object; freeing an object frees its
//! children; handles are unique per client).

use super::config::RmConfig;
use nvgsp_proto::gsp::class::{
    self, CtrlInfo, Nv2080CtrlFbGetInfoV2Params, Nv2080CtrlGpuGetEnginesV2Params,
    Nv2080CtrlGpuGetInfoV2Params,
};
use nvgsp_proto::gsp::gr_info::{self, GrGetInfoV2Params};
use nvgsp_proto::gsp::status::*;
use nvgsp_proto::wire::Wire;
use std::collections::HashMap;

/// One allocated object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Object {
    class: u32,
    parent: u32,
}

/// All clients and their objects.
#[derive(Default)]
pub struct Objects {
    clients: HashMap<u32, HashMap<u32, Object>>,
    /// GSP-RM's own client; only it may run internal controls.
    internal_client: u32,
}

/// Clients GSP-RM accepts before it runs out of resources.
const MAX_CLIENTS: usize = 4096;
/// Objects per client, likewise.
const MAX_OBJECTS: usize = 65536;

impl Objects {
    /// The table GSP-RM starts with: its own internal client, device and
    /// subdevice (`handles`, reported in the static info), on which the
    /// driver runs internal controls.
    pub fn with_internal_client(handles: (u32, u32, u32)) -> Objects {
        let (client, device, subdevice) = handles;
        let mut objects = HashMap::new();
        let root = class::NV01_ROOT;
        objects.insert(
            client,
            Object {
                class: root,
                parent: 0,
            },
        );
        let dev = class::NV01_DEVICE_0;
        objects.insert(
            device,
            Object {
                class: dev,
                parent: client,
            },
        );
        let sub = class::NV20_SUBDEVICE_0;
        objects.insert(
            subdevice,
            Object {
                class: sub,
                parent: device,
            },
        );
        Objects {
            clients: HashMap::from([(client, objects)]),
            internal_client: client,
        }
    }

    /// Number of live clients.
    #[cfg(test)]
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// GSP_RM_ALLOC.
    pub fn alloc(
        &mut self,
        h_client: u32,
        h_parent: u32,
        h_object: u32,
        class: u32,
        params: &[u8],
    ) -> u32 {
        match class {
            class::NV01_ROOT | class::NV01_ROOT_CLIENT => {
                if h_object != h_client || h_client == 0 {
                    return NV_ERR_INVALID_OBJECT_HANDLE;
                }
                if self.clients.contains_key(&h_client) {
                    return NV_ERR_INSERT_DUPLICATE_NAME;
                }
                if self.clients.len() >= MAX_CLIENTS {
                    return NV_ERR_INSUFFICIENT_RESOURCES;
                }
                if !params.is_empty() && params.len() < class::Nv0000AllocParameters::SIZE {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                }
                let mut objects = HashMap::new();
                objects.insert(h_client, Object { class, parent: 0 });
                self.clients.insert(h_client, objects);
                NV_OK
            }
            class::NV01_DEVICE_0 | class::NV20_SUBDEVICE_0 => {
                let Some(objects) = self.clients.get_mut(&h_client) else {
                    return NV_ERR_INVALID_CLIENT;
                };
                let want_parent = if class == class::NV01_DEVICE_0 {
                    [class::NV01_ROOT, class::NV01_ROOT_CLIENT]
                } else {
                    [class::NV01_DEVICE_0, class::NV01_DEVICE_0]
                };
                match objects.get(&h_parent) {
                    Some(p) if want_parent.contains(&p.class) => {}
                    _ => return NV_ERR_INVALID_OBJECT_PARENT,
                }
                if h_object == 0 || objects.contains_key(&h_object) {
                    return NV_ERR_INSERT_DUPLICATE_NAME;
                }
                let min = if class == class::NV01_DEVICE_0 {
                    class::Nv0080AllocParameters::SIZE
                } else {
                    class::Nv2080AllocParameters::SIZE
                };
                if params.len() < min {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                }
                if objects.len() >= MAX_OBJECTS {
                    return NV_ERR_INSUFFICIENT_RESOURCES;
                }
                objects.insert(
                    h_object,
                    Object {
                        class,
                        parent: h_parent,
                    },
                );
                NV_OK
            }
            _ => NV_ERR_INVALID_CLASS,
        }
    }

    /// FREE: the object and everything below it; a client's own handle
    /// frees the client.
    pub fn free(&mut self, h_client: u32, h_object: u32) -> u32 {
        if h_object == h_client {
            return if self.clients.remove(&h_client).is_some() {
                NV_OK
            } else {
                NV_ERR_INVALID_CLIENT
            };
        }
        let Some(objects) = self.clients.get_mut(&h_client) else {
            return NV_ERR_INVALID_CLIENT;
        };
        if !objects.contains_key(&h_object) {
            return NV_ERR_INVALID_OBJECT_HANDLE;
        }
        let mut doomed = vec![h_object];
        let mut i = 0;
        while i < doomed.len() {
            let p = doomed[i];
            doomed.extend(
                objects
                    .iter()
                    .filter(|(_, o)| o.parent == p)
                    .map(|(&h, _)| h),
            );
            i += 1;
        }
        for h in doomed {
            objects.remove(&h);
        }
        NV_OK
    }

    /// GSP_RM_CONTROL: answers `cmd` on the object, rewriting `params` in
    /// place like RM does.
    pub fn control(
        &self,
        config: &RmConfig,
        h_client: u32,
        h_object: u32,
        cmd: u32,
        params: &mut [u8],
    ) -> u32 {
        let Some(objects) = self.clients.get(&h_client) else {
            return NV_ERR_INVALID_CLIENT;
        };
        let Some(object) = objects.get(&h_object) else {
            return NV_ERR_INVALID_OBJECT_HANDLE;
        };
        // RM answers NULL commands before anything else (rmapi/control.c).
        if class::is_null_cmd(cmd) {
            return NV_OK;
        }
        if class::ctrl_cmd_class(cmd) != object.class {
            return NV_ERR_INVALID_COMMAND;
        }
        match cmd {
            class::NV2080_CTRL_CMD_GPU_GET_ENGINES_V2 => {
                rewrite(params, |p: &mut Nv2080CtrlGpuGetEnginesV2Params| {
                    p.engine_count = config.engines.len().min(p.engine_list.len()) as u32;
                    for (slot, &e) in p.engine_list.iter_mut().zip(&config.engines) {
                        *slot = e;
                    }
                    NV_OK
                })
            }
            class::NV2080_CTRL_CMD_FB_GET_INFO_V2 => {
                rewrite(params, |p: &mut Nv2080CtrlFbGetInfoV2Params| {
                    let size = p.fb_info_list_size;
                    fill(&mut p.fb_info_list, size, |i| config.fb_info(i))
                })
            }
            class::NV2080_CTRL_CMD_GPU_GET_INFO_V2 => {
                rewrite(params, |p: &mut Nv2080CtrlGpuGetInfoV2Params| {
                    let size = p.gpu_info_list_size;
                    fill(&mut p.gpu_info_list, size, |i| config.gpu_info(i))
                })
            }
            class::NV2080_CTRL_CMD_INTERNAL_FIFO_GET_NUM_CHANNELS => {
                if h_client != self.internal_client {
                    return NV_ERR_INSUFFICIENT_PERMISSIONS;
                }
                rewrite(
                    params,
                    |p: &mut class::Nv2080CtrlInternalFifoGetNumChannelsParams| {
                        p.num_channels = config.channels;
                        NV_OK
                    },
                )
            }
            gr_info::NV2080_CTRL_CMD_GR_GET_INFO_V2 => {
                rewrite(params, |p: &mut GrGetInfoV2Params| {
                    let size = p.gr_info_list_size;
                    fill(&mut p.gr_info_list, size, |i| config.gr_info(i))
                })
            }
            _ => NV_ERR_NOT_SUPPORTED,
        }
    }
}

/// Decodes `params` as `T`, lets `f` answer, encodes it back; a size
/// mismatch is `NV_ERR_INVALID_PARAM_STRUCT`.
fn rewrite<T: Wire>(params: &mut [u8], f: impl FnOnce(&mut T) -> u32) -> u32 {
    if params.len() != T::SIZE {
        return NV_ERR_INVALID_PARAM_STRUCT;
    }
    let Some(mut p) = T::decode(params) else {
        return NV_ERR_INVALID_PARAM_STRUCT;
    };
    let status = f(&mut p);
    if p.encode(params).is_none() {
        return NV_ERR_INVALID_PARAM_STRUCT;
    }
    status
}

/// Answers the first `size` entries of an info list; an index RM does not
/// know is `NV_ERR_INVALID_ARGUMENT`, a size beyond the list
/// `NV_ERR_INVALID_PARAM_STRUCT`.
fn fill(list: &mut [CtrlInfo], size: u32, answer: impl Fn(u32) -> Option<u32>) -> u32 {
    if size as usize > list.len() {
        return NV_ERR_INVALID_PARAM_STRUCT;
    }
    for e in list.iter_mut().take(size as usize) {
        match answer(e.index) {
            Some(v) => e.data = v,
            None => return NV_ERR_INVALID_ARGUMENT,
        }
    }
    NV_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Objects, RmConfig) {
        let mut o = Objects::default();
        let p0 = vec![0u8; class::Nv0000AllocParameters::SIZE];
        assert_eq!(o.alloc(0xc1, 0, 0xc1, class::NV01_ROOT, &p0), NV_OK);
        let p80 = vec![0u8; class::Nv0080AllocParameters::SIZE];
        assert_eq!(o.alloc(0xc1, 0xc1, 0xd1, class::NV01_DEVICE_0, &p80), NV_OK);
        let p2080 = vec![0u8; class::Nv2080AllocParameters::SIZE];
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0x51, class::NV20_SUBDEVICE_0, &p2080),
            NV_OK
        );
        (o, RmConfig::default())
    }

    #[test]
    fn internal_controls_answer_only_gsp_rms_own_client() {
        let (c, _, sub) = super::super::config::INTERNAL_HANDLES;
        let mut o = Objects::with_internal_client((c, 0x5c00_0001, sub));
        let cfg = RmConfig {
            channels: 512,
            ..RmConfig::default()
        };
        let cmd = class::NV2080_CTRL_CMD_INTERNAL_FIFO_GET_NUM_CHANNELS;
        let mut p = [0u8; 8];
        assert_eq!(o.control(&cfg, c, sub, cmd, &mut p), NV_OK);
        assert_eq!(u32::from_le_bytes(p[4..].try_into().unwrap()), 512);
        // A client of the driver's own may not run it.
        let p0 = vec![0u8; class::Nv0000AllocParameters::SIZE];
        assert_eq!(o.alloc(0xc1, 0, 0xc1, class::NV01_ROOT, &p0), NV_OK);
        let p80 = vec![0u8; class::Nv0080AllocParameters::SIZE];
        assert_eq!(o.alloc(0xc1, 0xc1, 0xd1, class::NV01_DEVICE_0, &p80), NV_OK);
        let p2080 = vec![0u8; class::Nv2080AllocParameters::SIZE];
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0x51, class::NV20_SUBDEVICE_0, &p2080),
            NV_OK
        );
        assert_eq!(
            o.control(&cfg, 0xc1, 0x51, cmd, &mut p),
            NV_ERR_INSUFFICIENT_PERMISSIONS
        );
        assert_eq!(
            o.control(&cfg, c, sub, cmd, &mut [0u8; 4]),
            NV_ERR_INVALID_PARAM_STRUCT
        );
    }

    #[test]
    fn handle_table_errors_are_rm_errors() {
        let (mut o, _) = setup();
        let p80 = vec![0u8; class::Nv0080AllocParameters::SIZE];
        assert_eq!(
            o.alloc(0xc1, 0, 0xc1, class::NV01_ROOT, &[]),
            NV_ERR_INSERT_DUPLICATE_NAME
        );
        assert_eq!(
            o.alloc(0xc2, 0xc2, 0xd1, class::NV01_DEVICE_0, &p80),
            NV_ERR_INVALID_CLIENT
        );
        assert_eq!(
            o.alloc(0xc1, 0x99, 0xd2, class::NV01_DEVICE_0, &p80),
            NV_ERR_INVALID_OBJECT_PARENT
        );
        assert_eq!(
            o.alloc(0xc1, 0xc1, 0xd1, class::NV01_DEVICE_0, &p80),
            NV_ERR_INSERT_DUPLICATE_NAME
        );
        assert_eq!(
            o.alloc(0xc1, 0xc1, 0xd2, class::NV01_DEVICE_0, &[]),
            NV_ERR_INVALID_PARAM_STRUCT
        );
        assert_eq!(
            o.alloc(0xc1, 0xc1, 0xd2, 0xdead, &p80),
            NV_ERR_INVALID_CLASS
        );
        // A subdevice needs a device parent.
        assert_eq!(
            o.alloc(0xc1, 0xc1, 0x52, class::NV20_SUBDEVICE_0, &[0; 4]),
            NV_ERR_INVALID_OBJECT_PARENT
        );
    }

    #[test]
    fn free_cascades_and_client_free_takes_everything() {
        let (mut o, cfg) = setup();
        let mut p = vec![0u8; 0];
        assert_eq!(o.free(0xc1, 0xd1), NV_OK);
        assert_eq!(
            o.control(&cfg, 0xc1, 0x51, class::NV2080_CTRL_CMD_NULL, &mut p),
            NV_ERR_INVALID_OBJECT_HANDLE
        );
        assert_eq!(o.free(0xc1, 0xd1), NV_ERR_INVALID_OBJECT_HANDLE);
        assert_eq!(o.free(0xc1, 0xc1), NV_OK);
        assert_eq!(o.clients(), 0);
        assert_eq!(o.free(0xc1, 0xc1), NV_ERR_INVALID_CLIENT);
    }

    #[test]
    fn controls_answer_from_the_configuration() {
        let (o, cfg) = setup();
        let mut raw = vec![0u8; Nv2080CtrlGpuGetEnginesV2Params::SIZE];
        assert_eq!(
            o.control(
                &cfg,
                0xc1,
                0x51,
                class::NV2080_CTRL_CMD_GPU_GET_ENGINES_V2,
                &mut raw
            ),
            NV_OK
        );
        let p = Nv2080CtrlGpuGetEnginesV2Params::decode(&raw).unwrap();
        assert_eq!(p.engines(), &cfg.engines[..]);

        let mut raw = vec![0u8; GrGetInfoV2Params::SIZE];
        GrGetInfoV2Params::request(&[gr_info::GR_INFO_INDEX_LITTER_NUM_GPCS])
            .encode(&mut raw)
            .unwrap();
        assert_eq!(
            o.control(
                &cfg,
                0xc1,
                0x51,
                gr_info::NV2080_CTRL_CMD_GR_GET_INFO_V2,
                &mut raw
            ),
            NV_OK
        );
        let p = GrGetInfoV2Params::decode(&raw).unwrap();
        assert_eq!(
            p.get(gr_info::GR_INFO_INDEX_LITTER_NUM_GPCS),
            Some(cfg.gpcs)
        );

        // Wrong size, wrong class, unknown command, unknown index.
        let mut short = vec![0u8; 8];
        assert_eq!(
            o.control(
                &cfg,
                0xc1,
                0x51,
                class::NV2080_CTRL_CMD_FB_GET_INFO_V2,
                &mut short
            ),
            NV_ERR_INVALID_PARAM_STRUCT
        );
        assert_eq!(
            o.control(
                &cfg,
                0xc1,
                0xd1,
                class::NV2080_CTRL_CMD_FB_GET_INFO_V2,
                &mut raw
            ),
            NV_ERR_INVALID_COMMAND
        );
        assert_eq!(
            o.control(&cfg, 0xc1, 0x51, 0x2080_7777, &mut raw),
            NV_ERR_NOT_SUPPORTED
        );
        let mut raw = vec![0u8; GrGetInfoV2Params::SIZE];
        GrGetInfoV2Params::request(&[0x7fff])
            .encode(&mut raw)
            .unwrap();
        assert_eq!(
            o.control(
                &cfg,
                0xc1,
                0x51,
                gr_info::NV2080_CTRL_CMD_GR_GET_INFO_V2,
                &mut raw
            ),
            NV_ERR_INVALID_ARGUMENT
        );
    }
}
